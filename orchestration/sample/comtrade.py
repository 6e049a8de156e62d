"""Deterministic sample of UN Comtrade downloads: the partners' side of China's sample exports.

Four reporters (USA 842, Japan 392, Germany 276, Korea 410) report their monthly imports from China
(flowCode M, partner 156 CHN, partner2 0/W00/World) for 2024-01..2025-12, at the partner's codes of
`orchestration.rules.mirror_hs_codes()`: 850511 (magnets), 280530 (metals), both 6-digit, and 2846
(compounds), which partners report at 4 digits (aggrLevel 4, isLeaf false).

Calibrated from China's own sample (`orchestration.sample.generate.sample_lines()`): China's exports to the
reporter, summed per month and product group, become the partner's imports the way mirror statistics differ
in life:

- shipping lag: the partner's month m is 30 % of China's m-1 plus 70 % of China's m (2024-01, with no
  month before it in the sample, is China's 2024-01);
- quantities within a few per cent otherwise (seeded noise of ±3 %);
- imports are valued CIF, China's exports FOB: cifvalue = FOB × a premium of 1.05-1.12 (seeded), with
  primaryValue = cifvalue and fobvalue empty, as real import rows are.

ANOMALY, the one departure from that pattern: the US-reported imports of magnets (850511) in 2025-06 are 45 %
above China's reported exports of magnets to the US in that month (about 512 t against 353 t; the lag alone
would give some 260 t, as China's May shipments were a trough). That is the signature of re-routing or
transshipment: Chinese magnets reaching the US through a third country, which the US records by origin (China)
and China by destination. The mirror's band check (expectations/mirror_month.json) names it; it also names the
months of the 2025 export-control trough, when goods already at sea kept partner-reported imports above China's
collapsing exports.

The files reproduce real downloads' quirks: an unquoted header, fully quoted rows ending in a trailing comma,
booleans as true/false, a missing unit as qtyUnitCode -1 / qtyUnitAbbr N/A, netWgt with decimals where it is
estimated, a few export rows (flowCode X, cifvalue empty) in Germany's 2024 file, a UTF-8 file with BOM and
CRLF line ends (Korea 2025), and an XLSX with an empty second sheet (Japan 2025). Seeded: two runs write
byte-identical files.
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from orchestration.comtrade import COMTRADE_COLUMNS
from orchestration.rules import mirror_hs_codes, mirror_partner_flow_code, product_group_of
from orchestration.sample.generate import _FIXED_TIME, MONTHS, _normalise_zip, sample_lines

SEED = "comtrade-partner-sample-v1"
LAG_SHARE = 0.3  # of China's previous month in the partner's month
QUANTITY_NOISE = 0.03
CIF_PREMIUM = (1.05, 1.12)


@dataclass(frozen=True)
class Reporter:
    iso: str
    code: int  # UN Comtrade's (M49) code
    desc: str
    gacc_code: str  # the same country in China's partner codes (dbt_project/seeds/dim_partner_codes.csv)


REPORTERS: tuple[Reporter, ...] = (
    Reporter("USA", 842, "USA", "502"),
    Reporter("JPN", 392, "Japan", "116"),
    Reporter("DEU", 276, "Germany", "304"),
    Reporter("KOR", 410, "Rep. of Korea", "133"),
)


@dataclass(frozen=True)
class Anomaly:
    """The sample's one mirror outlier: the partner reports `ratio` times China's exports in the same month."""

    reporter_iso: str
    product_group: str
    cmd_code: str
    month: str  # 'YYYY-MM'
    ratio: float


ANOMALY = Anomaly("USA", "magnets", "850511", "2025-06", 1.45)

_DESCRIPTIONS = {
    "850511": "Permanent magnets and articles intended to become permanent magnets after magnetisation: Of metal",
    "280530": "Rare-earth metals, scandium and yttrium, whether or not intermixed or interalloyed",
    "2846": "Compounds, inorganic or organic, of rare-earth metals, of yttrium or of scandium "
    "or of mixtures of these metals",
}
_XLSX_FILES = {("JPN", 2025)}
_BOM_CRLF_FILES = {("KOR", 2025)}
_EXPORT_ROWS_FILE = ("DEU", 2024)
_EXPORT_ROW_MONTHS = ("2024-03", "2024-07", "2024-11")


def _china_exports() -> dict[tuple[str, str, str], tuple[int, int]]:
    """China's sample exports (kg, FOB USD) per (GACC partner code, product group, 'YYYY-MM')."""
    partners = {r.gacc_code for r in REPORTERS}
    groups = set(mirror_hs_codes())
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in sample_lines():
        group = product_group_of(line.hs_code)
        if line.flow == "export" and line.partner_code in partners and group in groups:
            total = totals[(line.partner_code, group, line.month)]
            total[0] += line.quantity_kg
            total[1] += line.value_usd
    return {key: (kg, usd) for key, (kg, usd) in totals.items()}


def _lagged(series: dict[str, tuple[int, int]], month: str) -> tuple[float, float]:
    """What arrives in `month`: most of China's previous month, the rest of its own."""
    index = MONTHS.index(month)
    now = series.get(month, (0, 0))
    if index == 0:
        return float(now[0]), float(now[1])
    before = series.get(MONTHS[index - 1], (0, 0))
    return (
        LAG_SHARE * before[0] + (1 - LAG_SHARE) * now[0],
        LAG_SHARE * before[1] + (1 - LAG_SHARE) * now[1],
    )


def _base_row(reporter: Reporter, month: str, cmd_code: str) -> dict[str, str]:
    year, number = month.split("-")
    leaf = len(cmd_code) == 6
    return {
        "typeCode": "C",
        "freqCode": "M",
        "refPeriodId": f"{year}{number}01",
        "refYear": year,
        "refMonth": str(int(number)),
        "period": f"{year}{number}",
        "reporterCode": str(reporter.code),
        "reporterISO": reporter.iso,
        "reporterDesc": reporter.desc,
        "partnerCode": "156",
        "partnerISO": "CHN",
        "partnerDesc": "China",
        "partner2Code": "0",
        "partner2ISO": "W00",
        "partner2Desc": "World",
        "classificationCode": "H6",
        "classificationSearchCode": "HS",
        "isOriginalClassification": "false",
        "cmdCode": cmd_code,
        "cmdDesc": _DESCRIPTIONS[cmd_code],
        "aggrLevel": str(len(cmd_code)),
        "isLeaf": "true" if leaf else "false",
        "customsCode": "C00",
        "customsDesc": "TOTAL CPC",
        "mosCode": "0",
        "motCode": "0",
        "motDesc": "TOTAL MOT",
        "isQtyEstimated": "false",
        "altQtyUnitCode": "-1",
        "altQtyUnitAbbr": "N/A",
        "altQty": "0",
        "isAltQtyEstimated": "false",
        "grossWgt": "0",
        "isGrossWgtEstimated": "false",
        "legacyEstimationFlag": "0",
        "isReported": "true",
        "isAggregate": "false",
    }


def _weights(rng: random.Random, kg: float) -> dict[str, str]:
    """netWgt (kg) and the quantity columns: estimated weights carry decimals, and some rows have no unit."""
    estimated = rng.random() < 0.25
    net = f"{kg:.3f}" if estimated else f"{round(kg)}"
    unit = rng.random() >= 0.15
    return {
        "qtyUnitCode": "8" if unit else "-1",
        "qtyUnitAbbr": "kg" if unit else "N/A",
        "qty": net if unit else "0",
        "netWgt": net,
        "isNetWgtEstimated": "true" if estimated else "false",
    }


def _import_row(
    reporter: Reporter, month: str, cmd_code: str, kg: float, cif: float, rng: random.Random
) -> dict[str, str]:
    # Imports are valued CIF: primaryValue is the CIF value, and real import rows leave fobvalue empty.
    value = f"{cif:.2f}"
    flow = {"flowCode": mirror_partner_flow_code(), "flowDesc": "Import"}
    return (
        _base_row(reporter, month, cmd_code)
        | _weights(rng, kg)
        | flow
        | {
            "cifvalue": value,
            "fobvalue": "",
            "primaryValue": value,
        }
    )


def _export_row(reporter: Reporter, month: str, cmd_code: str, rng: random.Random) -> dict[str, str]:
    # The reporter's exports to China: small re-exports, valued FOB; real export rows leave cifvalue empty.
    kg = rng.uniform(500, 5000)
    value = f"{kg * rng.uniform(40, 70):.2f}"
    row = _base_row(reporter, month, cmd_code) | _weights(rng, kg)
    return row | {"flowCode": "X", "flowDesc": "Export", "cifvalue": "", "fobvalue": value, "primaryValue": value}


def partner_rows() -> dict[tuple[str, int], list[dict[str, str]]]:
    """Every sample row as text by column, per (reporter ISO, year), in file order."""
    china = _china_exports()
    files: dict[tuple[str, int], list[dict[str, str]]] = defaultdict(list)
    for reporter in REPORTERS:
        for month in MONTHS:
            rows = files[(reporter.iso, int(month[:4]))]
            for group, cmd_code in mirror_hs_codes().items():
                series = {
                    m: china[(reporter.gacc_code, group, m)] for m in MONTHS if (reporter.gacc_code, group, m) in china
                }
                rng = random.Random(f"{SEED}|{reporter.iso}|{cmd_code}|{month}")
                kg, fob = _lagged(series, month)
                noise = 1 + rng.uniform(-QUANTITY_NOISE, QUANTITY_NOISE)
                premium = rng.uniform(*CIF_PREMIUM)
                if (reporter.iso, group, month) == (ANOMALY.reporter_iso, ANOMALY.product_group, ANOMALY.month):
                    kg, fob = (ANOMALY.ratio * v for v in series.get(month, (0, 0)))
                    noise = 1.0
                if kg <= 0:
                    continue  # Comtrade has no row for nothing traded
                rows.append(_import_row(reporter, month, cmd_code, kg * noise, fob * noise * premium, rng))
            if (reporter.iso, int(month[:4])) == _EXPORT_ROWS_FILE and month in _EXPORT_ROW_MONTHS:
                rng = random.Random(f"{SEED}|{reporter.iso}|export|{month}")
                rows.append(_export_row(reporter, month, mirror_hs_codes()["magnets"], rng))
    return dict(files)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _csv_bytes(rows: Sequence[dict[str, str]], bom_crlf: bool) -> bytes:
    """A real download's CSV: the header bare, every data field quoted, and a trailing comma on each data row."""
    end = "\r\n" if bom_crlf else "\n"
    lines = [",".join(COMTRADE_COLUMNS)]
    lines += [",".join(_quote(row[c]) for c in COMTRADE_COLUMNS) + "," for row in rows]
    text = end.join(lines) + end
    return text.encode("utf-8-sig" if bom_crlf else "utf-8")


def _xlsx_cell(text: str) -> object:
    """A value as a spreadsheet stores it: numbers as numbers, booleans as booleans, empty as no cell."""
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _xlsx_bytes(rows: Sequence[dict[str, str]]) -> bytes:
    """A workbook of one sheet of rows and an empty second sheet, as a portal export sometimes has."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet.append(list(COMTRADE_COLUMNS))
    for row in rows:
        # Codes and descriptions stay text where they are text (cmdCode becomes a number, as Excel makes it).
        sheet.append([row[c] if c in ("period", "reporterISO") else _xlsx_cell(row[c]) for c in COMTRADE_COLUMNS])
    workbook.create_sheet("Sheet2")
    workbook.properties.creator = "UN Comtrade"
    workbook.properties.created = _FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _normalise_zip(buffer.getvalue())


def partner_file_path(out_dir: Path, reporter_iso: str, year: int) -> Path:
    """Where the sample file of one reporter and year is written."""
    suffix = "xlsx" if (reporter_iso, year) in _XLSX_FILES else "csv"
    return out_dir / "partner" / f"sample_comtrade_{reporter_iso}_{year}.{suffix}"


def write_partner_sample_files(out_dir: Path) -> list[Path]:
    """Write one Comtrade file per reporter and year into `out_dir / "partner"`; return the paths."""
    written: list[Path] = []
    for (iso, year), rows in sorted(partner_rows().items()):
        path = partner_file_path(out_dir, iso, year)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".xlsx":
            path.write_bytes(_xlsx_bytes(rows))
        else:
            path.write_bytes(_csv_bytes(rows, bom_crlf=(iso, year) in _BOM_CRLF_FILES))
        written.append(path)
    return written
