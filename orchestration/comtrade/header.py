"""Checking a header row against the 47-column Comtrade layout, and saying what is wrong in its words."""

from __future__ import annotations

import re
import unicodedata

from orchestration.comtrade.errors import ComtradeFileError
from orchestration.comtrade.layout import COMTRADE_COLUMNS
from orchestration.gacc.headers import HEADER_ALIASES

_LAYOUT = "the 47-column UN Comtrade layout (typeCode, freqCode, refPeriodId, … isReported, isAggregate)"


def _normalise(header: str) -> str:
    # A BOM or zero-width character (category Cf) from copy-pasting means nothing; case does not either.
    plain = "".join(c for c in unicodedata.normalize("NFKC", header) if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", plain.strip().strip('"').strip()).casefold()


_BY_NAME = {_normalise(name): name for name in COMTRADE_COLUMNS}
_GACC_HEADERS = {_normalise(alias) for aliases in HEADER_ALIASES.values() for alias in aliases}


def refuse_gacc_header(name: str, header: list[str], line: int = 1) -> None:
    """A China Customs header (Chinese or English) is refused, saying where such a file belongs."""
    if any(_normalise(n) in _GACC_HEADERS for n in header):
        raise ComtradeFileError(
            name,
            "this is a China Customs (GACC) download, not partner-reported UN Comtrade data: put it under "
            f"exports/ or imports/, not partner/; a partner file has {_LAYOUT}",
            line=line,
        )


def map_header(name: str, header: list[str], line: int = 1) -> tuple[str, ...]:
    """The Comtrade column at each position of `header`. A trailing empty name (a line ending in a comma) is
    dropped. Refuses a GACC header, an unknown, repeated or missing column, naming it."""
    names = list(header)
    if names and not _normalise(names[-1]):
        names.pop()
    refuse_gacc_header(name, names, line)
    normalised = [_normalise(n) for n in names]
    positions: list[str] = []
    for index, (raw, key) in enumerate(zip(names, normalised, strict=True)):
        column = _BY_NAME.get(key)
        if column is None:
            shown = raw.strip() if len(raw.strip()) <= 80 else raw.strip()[:80] + "…"
            what = "is empty" if not key else f"{shown!r} is not a Comtrade column"
            raise ComtradeFileError(
                name, f"header column {index + 1} {what}; expected {_LAYOUT}", line=line, column=raw.strip()
            )
        if column in positions:
            raise ComtradeFileError(
                name,
                f"header columns {positions.index(column) + 1} and {index + 1} are both {column!r}",
                line=line,
                column=column,
            )
        positions.append(column)
    missing = [c for c in COMTRADE_COLUMNS if c not in positions]
    if missing:
        listed = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise ComtradeFileError(
            name,
            f"the header lacks {len(missing)} column{'s' if len(missing) > 1 else ''}: {listed}; expected {_LAYOUT}",
            line=line,
            column=missing[0],
        )
    return tuple(positions)
