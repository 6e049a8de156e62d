"""Tests of the calibrated GACC sample generator (orchestration.sample)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from orchestration.sample import SampleLine, sample_lines, write_sample_files
from orchestration.sample.codes import (
    COMMODITIES,
    CUSTOMS_REGIMES,
    PARTNERS,
    SERIES_CODES,
)

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = REPO / "dbt_project" / "seeds" / "published_figures.csv"
GACC = REPO / "reference" / "gacc"

Key = tuple[str, str, str, str]  # flow, month, hs_code, partner_code


def _published_rows() -> list[dict[str, str]]:
    with PUBLISHED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _period_months(period: str) -> list[str]:
    if re.fullmatch(r"\d{4}", period):
        return [f"{period}-{m:02d}" for m in range(1, 13)]
    match = re.fullmatch(r"(\d{4})-(\d{2})\.\.(\d{2})", period)
    if match:
        first, last = int(match.group(2)), int(match.group(3))
        return [f"{match.group(1)}-{m:02d}" for m in range(first, last + 1)]
    return [period]


def _row_id(row: dict[str, str]) -> str:
    return f"{row['period']}-{row['flow']}-{row['series']}-{row['partner_name']}"


def _overdetermined(row: dict[str, str], rows: list[dict[str, str]]) -> bool:
    """True when every month of a multi-month figure is also published on its own (or inside a
    shorter published period), so the figure can only match up to the press's rounding."""
    months = _period_months(row["period"])
    if len(months) == 1:
        return False
    covered: set[str] = set()
    for other in rows:
        same_scope = all(other[k] == row[k] for k in ("flow", "series", "partner_code"))
        other_months = _period_months(other["period"])
        if same_scope and len(other_months) < len(months):
            covered.update(other_months)
    return set(months) <= covered


ROWS = _published_rows()


@pytest.fixture(scope="module")
def lines() -> list[SampleLine]:
    return sample_lines()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("sample")
    return out, write_sample_files(out)


@pytest.mark.parametrize("row", ROWS, ids=[_row_id(r) for r in ROWS])
def test_published_figure_is_reproduced(row: dict[str, str], lines: list[SampleLine]) -> None:
    months = set(_period_months(row["period"]))
    codes = SERIES_CODES[row["series"]]
    actual_kg = sum(
        line.quantity_kg
        for line in lines
        if line.flow == row["flow"]
        and line.month in months
        and line.hs_code in codes
        and (not row["partner_code"] or line.partner_code == row["partner_code"])
    )
    expected = Decimal(row["tonnes"])
    if _overdetermined(row, ROWS):
        # The press rounds: the 2025 export headline months add up to 62,584.9 t, reported
        # as 62,585 t. Such a total must agree at its printed precision.
        decimals = max(0, -expected.as_tuple().exponent)  # type: ignore[operator]
        assert round(Decimal(actual_kg) / 1000, decimals) == expected
    else:
        assert actual_kg == int(expected * 1000)


def _read_csv(path: Path, flow: str) -> list[list[str]]:
    raw = path.read_bytes()
    # 2024 files and exports 2025-03 are the portal's GB18030 layout; the English files are
    # UTF-8, exports with a BOM.
    month = path.stem.rsplit("_", 1)[1]
    native = month < "2025-01" or (flow == "export" and month == "2025-03")
    text = raw.decode("gb18030" if native else "utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if native:
        assert all(r[-1] == "" for r in rows), "every native line ends with a trailing comma"
        rows = [r[:-1] for r in rows]
    return rows


def _read_xlsx(path: Path) -> list[list[str]]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


HEADERS = {
    "数据年月": "month",
    "Date of data": "month",
    "商品编码": "hs_code",
    "Commodity code": "hs_code",
    "贸易伙伴编码": "partner_code",
    "Trading partner code": "partner_code",
    "第一数量": "quantity",
    "Quantity": "quantity",
    "美元": "usd",
    "US dollar": "usd",
    "人民币": "cny",
    "Renminbi Yuan": "cny",
}


def _parse_written(paths: list[Path]) -> dict[Key, list[int]]:
    """(flow, month, hs, partner) -> [kg, usd, cny] with only the currency present filled."""
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for path in paths:
        flow = path.parts[-3].removesuffix("s")
        month_from_name = path.stem.rsplit("_", 1)[1]
        rows = _read_xlsx(path) if path.suffix == ".xlsx" else _read_csv(path, flow)
        header = [HEADERS.get(h, h) for h in rows[0]]
        for raw in rows[1:]:
            record = dict(zip(header, raw, strict=True))
            month = record.get("month")
            month = f"{month[:4]}-{month[4:]}" if month else month_from_name
            assert month == month_from_name
            key = (flow, month, record["hs_code"], record["partner_code"])

            def number(value: str) -> int:
                return int(value.replace(",", ""))

            totals[key][0] += number(record["quantity"])
            if "usd" in record:
                totals[key][1] += number(record["usd"])
            if "cny" in record:
                totals[key][2] += number(record["cny"])
    return totals


def test_files_hold_exactly_the_sample_lines(written: tuple[Path, list[Path]], lines: list[SampleLine]) -> None:
    _, paths = written
    parsed = _parse_written(paths)
    expected: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in lines:
        key = (line.flow, line.month, line.hs_code, line.partner_code)
        expected[key][0] += line.quantity_kg
        # English exports of 2025-01..06 are in yuan; 2025-03 is a native (USD) file.
        in_cny = line.flow == "export" and "2025-01" <= line.month <= "2025-06"
        if in_cny and line.month != "2025-03":
            expected[key][2] += line.value_cny
        else:
            expected[key][1] += line.value_usd
    assert parsed == expected


def test_two_runs_are_byte_identical(written: tuple[Path, list[Path]], tmp_path: Path) -> None:
    first_dir, first = written
    second = write_sample_files(tmp_path)
    assert [p.relative_to(first_dir) for p in first] == [p.relative_to(tmp_path) for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_layout_and_variants(written: tuple[Path, list[Path]]) -> None:
    out, paths = written
    assert len(paths) == 48
    names = {p.relative_to(out).as_posix() for p in paths}
    assert "exports/2024/gacc_exports_2024-01.csv" in names
    assert "imports/2025/gacc_imports_2025-12.csv" in names
    xlsx = out / "exports/2025/gacc_exports_2025-08.xlsx"
    assert xlsx in paths

    native = (out / "exports/2024/gacc_exports_2024-05.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        native.decode("utf-8")
    first_line = native.decode("gb18030").splitlines()[0]
    assert first_line.startswith('"数据年月","商品编码"') and first_line.endswith('"美元",')

    no_month = (out / "exports/2025/gacc_exports_2025-03.csv").read_bytes().decode("gb18030")
    assert no_month.startswith('"商品编码",') and "数据年月" not in no_month

    bom = (out / "exports/2025/gacc_exports_2025-10.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbfCommodity code,")
    assert b"Supplimentary Quantity" in bom and bom.splitlines()[0].endswith(b"US dollar")
    assert re.search(rb',"\d{1,3}(,\d{3})+"', bom), "amounts carry thousands separators"

    no_bom = (out / "imports/2025/gacc_imports_2025-10.csv").read_bytes()
    assert no_bom.startswith(b"Commodity code,") and b"Customs Regime code" in no_bom

    cny = (out / "exports/2025/gacc_exports_2025-02.csv").read_bytes()
    assert cny.splitlines()[0].endswith(b"Renminbi Yuan")

    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    assert sheet.cell(1, 1).value == "Commodity code"
    assert sheet.cell(2, 1).data_type == "s" and sheet.cell(2, 3).data_type == "s"
    quantity_col = [c.value for c in sheet[1]].index("Quantity") + 1
    assert isinstance(sheet.cell(2, quantity_col).value, int)


def test_rows_unique_positive_and_plausible(lines: list[SampleLine]) -> None:
    seen: set[tuple[str, ...]] = set()
    for line in lines:
        key = (line.flow, line.month, line.hs_code, line.partner_code, line.customs_regime, line.province)
        assert key not in seen
        seen.add(key)
        assert line.quantity_kg > 0 and line.value_usd > 0
        assert 7.0 < line.value_cny / line.value_usd < 7.4
    assert len({line.partner_code for line in lines}) >= 25
    assert {line.customs_regime for line in lines if line.flow == "import" and line.month > "2025"} == {
        "10",
        "15",
    }


def test_2025_exports_come_split_by_province_and_regime(
    written: tuple[Path, list[Path]], lines: list[SampleLine]
) -> None:
    """As real downloads can, the 2025 export files carry the registered location (province) of the trading firm and
    the customs regime, in English and in the portal's Chinese GB18030 layout; 2024's files do not."""
    out, _ = written
    native = (out / "exports/2025/gacc_exports_2025-03.csv").read_bytes().decode("gb18030").splitlines()[0]
    assert '"贸易方式编码","贸易方式名称","注册地编码","注册地名称"' in native
    english = (out / "exports/2025/gacc_exports_2025-10.csv").read_bytes().decode("utf-8-sig").splitlines()[0]
    assert "Customs Regime code,Customs Regime,Locations of importers and exporters code," in english
    sheet = openpyxl.load_workbook(out / "exports/2025/gacc_exports_2025-08.xlsx").worksheets[0]
    assert "Locations of importers and exporters" in [c.value for c in sheet[1]]
    assert "注册地编码" not in (out / "exports/2024/gacc_exports_2024-12.csv").read_bytes().decode("gb18030")

    magnets: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for line in lines:
        split = line.flow == "export" and line.month >= "2025"
        assert bool(line.province) == split and bool(line.customs_regime) == (line.month >= "2025"), line
        if split and line.hs_code == "85051110":
            magnets[line.month].add((line.province, line.customs_regime))
    assert len(magnets) == 12
    for pairs in magnets.values():
        assert len({province for province, _ in pairs}) >= 5 and len({regime for _, regime in pairs}) >= 2


def test_unit_values_are_plausible(lines: list[SampleLine]) -> None:
    kg: dict[str, int] = defaultdict(int)
    usd: dict[str, int] = defaultdict(int)
    for line in lines:
        kg[line.hs_code] += line.quantity_kg
        usd[line.hs_code] += line.value_usd
    ranges = {"85051110": (40, 70), "72029991": (15, 30), "28461010": (3, 60)}
    for code, (low, high) in ranges.items():
        assert low <= usd[code] / kg[code] <= high, code


def test_us_share_of_magnets_before_export_controls(lines: list[SampleLine]) -> None:
    world: dict[str, int] = defaultdict(int)
    us: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.flow == "export" and line.hs_code == "85051110":
            world[line.month] += line.quantity_kg
            if line.partner_code == "502":
                us[line.month] += line.quantity_kg
    for month in ("2025-01", "2025-02", "2025-03"):
        assert 0.08 <= us[month] / world[month] <= 0.125, month


def _reference_names(path: Path, encoding: str, code_col: str, name_col: str) -> dict[str, str]:
    with path.open(encoding=encoding, newline="", errors="replace") as handle:
        return {row[code_col]: row[name_col] for row in csv.DictReader(handle)}


def test_names_match_the_reference_code_lists() -> None:
    hs_zh = _reference_names(GACC / "zh-hs8-2023.csv", "gb18030", "商品编码", "商品名称")
    hs_en = _reference_names(GACC / "en-hs8-2023.csv", "gb18030", "CODES", "DESCRIPTION")
    metals = {code for code in hs_en if code.startswith("280530")}
    assert metals <= SERIES_CODES["rare_earths_headline"]
    assert len({c for c in SERIES_CODES["rare_earths_headline"] if c.startswith("2846")}) >= 12
    for commodity in COMMODITIES:
        assert (commodity.name_zh, commodity.name_en) == (
            hs_zh[commodity.code],
            hs_en[commodity.code],
        )
    partner_zh = _reference_names(GACC / "zh-TradingPartner-cleaned-manually.csv", "utf-8", "code", "zh")
    partner_en = _reference_names(GACC / "en-TradingPartner-cleaned-manually.csv", "utf-8", "code", "en")
    for partner in PARTNERS:
        assert (partner.name_zh, partner.name_en) == (
            partner_zh[partner.code],
            partner_en[partner.code],
        )
    regime_zh = _reference_names(GACC / "zh-CustomsRegime.csv", "gb18030", "贸易方式编码", "贸易方式名称")
    regime_en = _reference_names(GACC / "en-CustomsRegime.csv", "utf-8", "Customs Regime code", "Customs Regime")
    for regime in CUSTOMS_REGIMES:
        assert (regime.name_zh, regime.name_en) == (regime_zh[regime.code], regime_en[regime.code])
