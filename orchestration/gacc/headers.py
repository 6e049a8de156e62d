"""The vocabulary of GACC download headers, in Chinese and English, mapped to canonical names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from orchestration.gacc.errors import GaccFileError

# Canonical column -> every header the portal (or a person re-saving its file) is known to write.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "month": ("数据年月", "Date of data"),
    "hs_code": ("商品编码", "Commodity code"),
    "commodity_name": ("商品名称", "Commodity"),
    "partner_code": ("贸易伙伴编码", "Trading partner code"),
    "partner_name": ("贸易伙伴名称", "Trading partner"),
    "regime_code": ("贸易方式编码", "Customs Regime code"),
    "regime_name": ("贸易方式名称", "Customs Regime"),
    "province_code": ("注册地编码", "Locations of importers and exporters code"),
    "province_name": ("注册地名称", "Locations of importers and exporters"),
    "quantity": ("第一数量", "Quantity"),
    "unit": ("第一计量单位", "Unit"),
    "quantity_2": ("第二数量", "Supplementary Quantity", "Supplimentary Quantity"),
    "unit_2": ("第二计量单位", "Supplementary Unit", "Supplimentary Unit"),
    "value_usd": ("美元", "US dollar"),
    "value_cny": ("人民币", "Renminbi Yuan"),
}

TEXT_COLUMNS = (
    "hs_code",
    "commodity_name",
    "partner_code",
    "partner_name",
    "regime_code",
    "regime_name",
    "province_code",
    "province_name",
    "unit",
    "unit_2",
)
NUMBER_COLUMNS = ("quantity", "quantity_2", "value_usd", "value_cny")
# Amounts that can never be negative in a customs return.
NON_NEGATIVE_COLUMNS = ("quantity", "quantity_2", "value_usd", "value_cny")


_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def column_label(canonical: str) -> str:
    """How messages name a column: its Chinese and English header, e.g. '第一数量 / Quantity'."""
    zh, en, *_ = HEADER_ALIASES[canonical]
    return f"{zh} / {en}"


def _normalise(header: str) -> str:
    # NFKC turns full-width letters and no-break spaces into plain ones; invisible format characters
    # (zero-width space, BOM, soft hyphen: category Cf) come from copy-pasting a header and mean nothing.
    plain = "".join(c for c in unicodedata.normalize("NFKC", header) if unicodedata.category(c) != "Cf")
    return re.sub(r"\s+", " ", plain.strip().strip('"').strip()).casefold()


def _refuse_comtrade_header(path: str, header: list[str]) -> None:
    """A UN Comtrade download (partner-reported statistics) among the customs files is refused for what it is."""
    from orchestration.comtrade.layout import COMTRADE_COLUMNS  # here: the Comtrade reader imports this module

    if len({name.strip() for name in header} & set(COMTRADE_COLUMNS)) >= len(COMTRADE_COLUMNS) // 2:
        raise GaccFileError(
            path,
            "this is a UN Comtrade download (partner-reported statistics), not a China Customs file: put it under "
            "partner/ in the landing folder",
            line=1,
        )


def _look_alikes(header: str) -> str:
    """' (it holds U+0421 CYRILLIC CAPITAL LETTER ES, ...)': letters that only look like the expected ones."""
    plain = unicodedata.normalize("NFKC", header)
    odd = dict.fromkeys(
        c for c in plain if unicodedata.category(c).startswith("L") and not c.isascii() and not _CHINESE.match(c)
    )
    if not odd:
        return ""
    named = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in list(odd)[:3])
    return f" (it holds {named}, neither a Latin letter nor Chinese; type the header again)"


_LOOKUP: dict[str, str] = {
    _normalise(alias): canonical for canonical, aliases in HEADER_ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class HeaderMap:
    """Which position of the file holds which canonical column; `None` for an ignored position."""

    positions: tuple[str | None, ...]
    language: str  # 'zh' or 'en'

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.positions if c is not None)

    def only(self, *keep: str) -> HeaderMap:
        """The same file read for fewer columns (the others become ignored positions)."""
        return HeaderMap(tuple(c if c in keep else None for c in self.positions), self.language)

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(c.removeprefix("value_").upper() for c in self.columns if c.startswith("value_"))


def map_header(path: str, header: list[str]) -> HeaderMap:
    """Match a header row to canonical columns, or explain which column is wrong and what was expected."""
    positions: list[str | None] = []
    seen: dict[str, int] = {}
    languages: set[str] = set()
    last = len(header) - 1
    for index, raw in enumerate(header):
        name = _normalise(raw)
        if name == "":
            # The portal ends every line with a comma, which reads as one empty trailing column.
            if index == last:
                positions.append(None)
                continue
            raise GaccFileError(path, f"header column {index + 1} is empty; every column needs a name", line=1)
        canonical = _LOOKUP.get(name)
        if canonical is None:
            _refuse_comtrade_header(path, header)
            expected = ", ".join(column_label(c) for c in HEADER_ALIASES)
            shown = raw.strip() if len(raw.strip()) <= 80 else raw.strip()[:80] + "…"
            raise GaccFileError(
                path,
                f"header column {index + 1} {shown!r} is not a GACC column{_look_alikes(raw)}; "
                f"expected one of: {expected}",
                line=1,
                column=raw.strip(),
            )
        if canonical in seen:
            raise GaccFileError(
                path,
                f"header columns {seen[canonical] + 1} and {index + 1} both mean {canonical!r}",
                line=1,
                column=raw.strip(),
            )
        seen[canonical] = index
        languages.add("zh" if _CHINESE.search(raw) else "en")
        positions.append(canonical)
    if "hs_code" not in seen:
        raise GaccFileError(path, "header has no commodity code column (商品编码 / Commodity code)", line=1)
    if not seen.keys() & {"quantity", "value_usd", "value_cny"}:
        raise GaccFileError(
            path,
            "header has neither a quantity (第一数量 / Quantity) "
            "nor a value (美元 / US dollar, 人民币 / Renminbi Yuan)",
            line=1,
        )
    return HeaderMap(positions=tuple(positions), language="zh" if languages == {"zh"} else "en")
