"""What a file's path says: its trade flow (the portal never writes it into the file) and its month."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from orchestration.gacc.errors import GaccFileError

_EXPORT_WORDS = {"export", "exports"}
_IMPORT_WORDS = {"import", "imports"}

# YYYY-MM, YYYYMM, and the Jan–Feb combined release YYYY-01-02 / YYYY01-02. The look-arounds keep
# the token from matching inside a longer number such as a download id.
_MONTH_TOKEN = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})[-_.]?(?P<month>0[1-9]|1[0-2])(?:-(?P<to>02))?(?!\d)")


@dataclass(frozen=True)
class Period:
    """The month a file covers according to its name; Jan–Feb combined files span two months."""

    month: date
    months: int = 1

    def covered_months(self) -> list[date]:
        return [self.month.replace(month=self.month.month + k) for k in range(self.months)]

    def __str__(self) -> str:
        label = f"{self.month:%Y-%m}"
        return f"{label}-02" if self.months == 2 else label


def flow_from_path(path: PurePath) -> str:
    """'export' or 'import' from a folder or file-name token such as exports/, import_, 出口 or 进口."""
    found: set[str] = set()
    for part in path.parts:
        stem = part.rsplit(".", 1)[0] if part == path.name else part
        words = {w.casefold() for w in re.split(r"[^0-9A-Za-z]+", stem) if w}
        if words & _EXPORT_WORDS or "出口" in stem:
            found.add("export")
        if words & _IMPORT_WORDS or "进口" in stem:
            found.add("import")
    if len(found) == 1:
        return found.pop()
    if not found:
        problem = (
            "cannot tell the trade flow: put the file under exports/ or imports/ (or 出口/进口), "
            "or name it e.g. exports_2025-11.csv"
        )
    else:
        problem = "the path names both exports and imports; a file holds one flow"
    raise GaccFileError(str(path), problem)


_CUMULATIVE_WORDS = {"ytd", "cumulative"}
_RELEASE_WORDS = ("flash", "detailed", "revised")


def _name_words(path: PurePath) -> set[str]:
    return {w.casefold() for w in re.split(r"[^0-9A-Za-z]+", path.name) if w}


def is_cumulative(path: PurePath) -> bool:
    """Whether the file name says it holds year-to-date values (ytd, cumulative, 累计) rather than a month's."""
    return bool(_name_words(path) & _CUMULATIVE_WORDS) or "累计" in path.name


def release_label(path: PurePath) -> str | None:
    """'flash', 'detailed' or 'revised' when the file name says which release it is."""
    words = _name_words(path)
    return next((label for label in _RELEASE_WORDS if label in words), None)


def period_from_name(path: PurePath) -> Period | None:
    """The month in the file name, if any. Two different months in one name are an error, not a guess."""
    periods = {
        Period(date(int(m["year"]), int(m["month"]), 1), 2 if m["to"] and m["month"] == "01" else 1)
        for m in _MONTH_TOKEN.finditer(path.name)
        if not (m["to"] and m["month"] != "01")
    }
    if len(periods) > 1:
        names = ", ".join(sorted(str(p) for p in periods))
        raise GaccFileError(str(path), f"the file name holds more than one month ({names}); name it with one YYYY-MM")
    return periods.pop() if periods else None
