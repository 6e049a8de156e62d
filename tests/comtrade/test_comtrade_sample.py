"""The synthetic partner sample (orchestration.sample.comtrade): it reads, follows China's figures within the
shipping lag and CIF premium, holds exactly one anomaly, and is byte-deterministic."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from comtrade_files import read

from orchestration.comtrade import PARTNER_LINE_SCHEMA, open_comtrade_file
from orchestration.rules import mirror_hs_codes, mirror_partner_flow_code, product_group_of
from orchestration.sample import sample_lines
from orchestration.sample.comtrade import ANOMALY, LAG_SHARE, REPORTERS, write_partner_sample_files

MONTHS = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
GACC_CODE = {"USA": "502", "JPN": "116", "DEU": "304", "KOR": "133"}  # dbt_project/seeds/dim_partner_codes.csv


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("sample")
    return out, write_partner_sample_files(out)


@pytest.fixture(scope="module")
def partner_table(sample: tuple[Path, list[Path]]) -> list[dict]:
    out, paths = sample
    return pa.concat_tables([read(p, out) for p in paths]).to_pylist()


def china_exports() -> dict[tuple[str, str, str], tuple[int, int]]:
    """China's sample exports (kg, USD) per (GACC partner code, group, 'YYYY-MM'), summed here independently."""
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in sample_lines():
        if line.flow == "export":
            total = totals[(line.partner_code, product_group_of(line.hs_code), line.month)]
            total[0] += line.quantity_kg
            total[1] += line.value_usd
    return {k: (kg, usd) for k, (kg, usd) in totals.items()}


def imports(table: list[dict]) -> dict[tuple[str, str, str], dict]:
    """The import rows by (reporter ISO, group, 'YYYY-MM'): one row each."""
    group_of = {code: group for group, code in mirror_hs_codes().items()}
    found: dict[tuple[str, str, str], dict] = {}
    for row in table:
        if row["flowCode"] == mirror_partner_flow_code():
            key = (row["reporterISO"], group_of[row["cmdCode"]], f"{row['month']:%Y-%m}")
            assert key not in found
            found[key] = row
    return found


def test_the_files_are_named_placed_and_formatted_as_documented(sample: tuple[Path, list[Path]]) -> None:
    out, paths = sample
    assert {p.parent for p in paths} == {out / "partner"}
    assert all(p.name.startswith("sample_comtrade_") for p in paths)
    assert len(paths) == 8 and "sample_comtrade_USA_2024.csv" in {p.name for p in paths}
    workbooks = [p for p in paths if p.suffix == ".xlsx"]
    assert [p.name for p in workbooks] == ["sample_comtrade_JPN_2025.xlsx"]
    book = openpyxl.load_workbook(workbooks[0], read_only=True)
    assert book.sheetnames == ["Sheet1", "Sheet2"] and not list(book["Sheet2"].iter_rows(values_only=True))
    usa = (out / "partner" / "sample_comtrade_USA_2025.csv").read_text(encoding="utf-8").splitlines()
    assert usa[0].startswith("typeCode,freqCode,refPeriodId,") and '"' not in usa[0]
    assert usa[1].startswith('"C","M","20250101","2025","1","202501","842","USA"') and usa[1].endswith('",')
    encodings = {p.name: open_comtrade_file(p).encoding for p in paths}
    assert encodings["sample_comtrade_KOR_2025.csv"] == "utf-8-sig"
    assert b"\r\n" in (out / "partner" / "sample_comtrade_KOR_2025.csv").read_bytes()


def test_every_file_reads_with_the_reader(sample: tuple[Path, list[Path]]) -> None:
    out, paths = sample
    for path in paths:
        table = read(path, out)
        assert table.schema == PARTNER_LINE_SCHEMA and table.num_rows > 30
        year = int(path.stem[-4:])
        assert open_comtrade_file(path).months() == [date(year, m, 1) for m in range(1, 13)]


def test_reporters_partner_and_codes(partner_table: list[dict]) -> None:
    assert {(r["reporterISO"], r["reporterCode"]) for r in partner_table} == {(r.iso, r.code) for r in REPORTERS}
    assert {(r["partnerCode"], r["partnerISO"], r["partner2Code"], r["partner2ISO"]) for r in partner_table} == {
        (156, "CHN", 0, "W00")
    }
    assert {(r["cmdCode"], r["aggrLevel"], r["isLeaf"]) for r in partner_table} == {
        ("850511", 6, True),
        ("280530", 6, True),
        ("2846", 4, False),
    }
    assert {r["cmdCode"] for r in partner_table} == set(mirror_hs_codes().values())


def test_the_quirks_are_in_the_sample(partner_table: list[dict]) -> None:
    imported = [r for r in partner_table if r["flowCode"] == "M"]
    exported = [r for r in partner_table if r["flowCode"] == "X"]
    assert all(r["fobvalue"] is None and r["primaryValue"] == r["cifvalue"] for r in imported)
    assert exported and all(r["cifvalue"] is None and r["fobvalue"] == r["primaryValue"] for r in exported)
    assert {r["reporterISO"] for r in exported} == {"DEU"}
    estimated = [r for r in imported if r["isNetWgtEstimated"]]
    assert estimated and any(not r["netWgt"].is_integer() for r in estimated)
    assert all(r["netWgt"].is_integer() for r in imported if not r["isNetWgtEstimated"])
    no_unit = [r for r in imported if r["qtyUnitCode"] is None]
    assert no_unit and all(r["qtyUnitAbbr"] is None for r in no_unit)
    assert all(r["netWgt"] > 0 for r in imported)


def test_us_magnets_cover_every_month_of_2025(partner_table: list[dict]) -> None:
    found = imports(partner_table)
    assert [m for m in MONTHS if ("USA", "magnets", m) in found][-12:] == MONTHS[12:]


def _lag_expected(china: dict, code: str, group: str, month: str) -> tuple[float, float]:
    index = MONTHS.index(month)
    now = china.get((code, group, month), (0, 0))
    if index == 0:
        return now
    before = china.get((code, group, MONTHS[index - 1]), (0, 0))
    return LAG_SHARE * before[0] + (1 - LAG_SHARE) * now[0], LAG_SHARE * before[1] + (1 - LAG_SHARE) * now[1]


def test_partner_figures_follow_china_within_the_lag_noise_and_cif_premium(partner_table: list[dict]) -> None:
    china = china_exports()
    anomaly = (ANOMALY.reporter_iso, ANOMALY.product_group, ANOMALY.month)
    for key, row in imports(partner_table).items():
        if key == anomaly:
            continue
        iso, group, month = key
        kg, fob = _lag_expected(china, GACC_CODE[iso], group, month)
        assert row["netWgt"] / kg == pytest.approx(1, abs=0.031), key
        assert 1.05 * 0.97 <= row["cifvalue"] / fob <= 1.12 * 1.03, key


def test_the_one_anomaly_us_magnets_2025_06_is_45_percent_above_china(partner_table: list[dict]) -> None:
    assert (ANOMALY.reporter_iso, ANOMALY.product_group, ANOMALY.cmd_code, ANOMALY.month) == (
        "USA",
        "magnets",
        "850511",
        "2025-06",
    )
    china = china_exports()
    found = imports(partner_table)
    reported = found[("USA", "magnets", "2025-06")]["netWgt"]
    china_same_month = china[("502", "magnets", "2025-06")][0]
    assert reported / china_same_month == pytest.approx(ANOMALY.ratio, rel=1e-6)
    # Against what the shipping lag predicts, it stands out: almost twice the expectation.
    assert reported / _lag_expected(china, "502", "magnets", "2025-06")[0] > 1.9


def test_us_magnets_2025_total_is_within_15_percent_of_china_excluding_the_anomaly(partner_table: list[dict]) -> None:
    china = china_exports()
    found = imports(partner_table)
    months = [m for m in MONTHS[12:] if m != ANOMALY.month]
    partner_tonnes = sum(found[("USA", "magnets", m)]["netWgt"] for m in months) / 1000
    china_tonnes = sum(china[("502", "magnets", m)][0] for m in months) / 1000
    assert partner_tonnes == pytest.approx(china_tonnes, rel=0.15)


def test_two_runs_write_the_same_bytes(tmp_path: Path, sample: tuple[Path, list[Path]]) -> None:
    out, paths = sample
    again = write_partner_sample_files(tmp_path)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name
