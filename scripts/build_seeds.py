"""Regenerate the dbt dimension seeds from the GACC code lists in reference/.

Run from anywhere (paths are relative to the repository)::

    .venv/bin/python scripts/build_seeds.py            # writes dbt_project/seeds/
    .venv/bin/python scripts/build_seeds.py --out DIR  # writes DIR/ instead (tests compare it to the committed seeds)

Python 3.11 standard library, and PyYAML to read the product groups from dbt_project.yml (orchestration/rules.py):
run it with the project's venv. The output is deterministic: sorted by code, UTF-8 without BOM, ``\\n`` line
endings, minimal CSV quoting, so a rerun on the same inputs gives byte-identical files. A summary (row counts,
anything repaired or missing) is printed; any inconsistency the script cannot resolve stops it with exit code 1.

Outputs
-------
``dim_product_codes.csv``: ``hs_code,description_zh,description_en,unit_zh,unit_en,product_group,is_rare_earth``
    One row per 8-digit commodity code of 2023 (zh and en lists joined on the code; a code found in only one list is
    kept, with the other language's description empty, and reported). Units are the first unit (UNIT_1).
``dim_partner_codes.csv``: ``partner_code,name_zh,name_en,iso3,region``
    One row per 3-digit partner code of the cleaned partner lists.
``dim_province_codes.csv``: ``province_code,name_zh,name_en``
    One row per 2-digit registration-location (province) code of ``china_customs_provinces.csv`` (Chinese names),
    with the English names of the hand-curated ``en-provinces.csv``, and a row for the code ``unspecified`` (var
    ``unspecified_code``: the lines of files without the column).
``dim_regime_codes.csv``: ``regime_code,name_zh,name_en``
    One row per 2-digit customs regime code of ``zh-CustomsRegime.csv`` and ``en-CustomsRegime.csv`` (joined on the
    code; both lists must hold the same codes), and the ``unspecified`` row.

Inputs (reference/gacc/, from the MIT-licensed R package chinautils; see reference/README.md)
-----------------------------------------------------------------------------------------------
``zh-hs8-2023.csv`` / ``en-hs8-2023.csv``
    GB18030 (the en file too: it has full-width symbols), a trailing comma on every line, and the portal's
    unescaped quoting: a description may contain raw line breaks and bare double quotes (e.g. ``"New rubber
    pneumatic tyres with "herring-bone", for ..."``), which a CSV reader splits into extra fields. Each record is
    therefore matched as ``CODE,"DESCRIPTION",YEAR,U1CODE,"U1NAME",U2CODE,"U2NAME",`` with the description taken
    up to the ``",YEAR,`` that ends it, and every byte of the file must belong to a record.
``china_customs_provinces.csv``, ``zh-CustomsRegime.csv``, ``en-CustomsRegime.csv``
    GB18030 (the en file is ASCII), a quoted header, a trailing comma on every line: ``code,name,``.
``en-provinces.csv`` (``province_code,name_en``)
    UTF-8, hand-curated (reference/README.md says its source): one row per code of the province list.
``zh-TradingPartner-cleaned-manually.csv`` (``code,zh``) / ``en-TradingPartner-cleaned-manually.csv``
    (``code,en,comment``): UTF-8, CRLF; the en file has a NUL byte before "Serbia and Montenegro".

Text cleaning (every name and description): control characters (including CR, LF, TAB, NUL, U+0002, U+007F)
become spaces, invisible format characters (Unicode category Cf) are dropped, runs of whitespace collapse to one
space and the ends are trimmed. Nothing else is changed (full-width symbols, typos of the source stay).

Units: ``unit_zh`` is the zh list's UNIT_1 name. ``unit_en`` is the English name of the UNIT_1 code: the en list
names a unit code the same way on almost every row (09 = Kilogram), and the few rows whose English name
contradicts their own unit code (e.g. 37025200: code 09, zh 千克, en "Metre") get the code's usual name; each such
repair is reported.

Product groups (the contract of the warehouse)
----------------------------------------------
The vars ``rare_earth_product_groups`` and ``product_group_hs_prefixes`` of dbt_project/dbt_project.yml, their one
home: ``magnets`` = 85051110; ``metals`` = every code starting 280530; ``compounds`` = every code starting 2846;
``ferroalloys`` = 72029991; ``other`` = every other code. ``is_rare_earth`` is true for the first four.

reference/partner_iso3_region.csv (curated by hand; CSV allows no comments, so its rules are here)
--------------------------------------------------------------------------------------------------
Columns ``partner_code,iso3,region``, one row for every partner code of the cleaned lists (a partner without a
row, a row for an unknown code, a duplicate code or a duplicate iso3 stops the script).

``iso3`` is the ISO 3166-1 alpha-3 code of the country or territory the partner code stands for, and only when the
partner is exactly that ISO entity. It is empty for:

- residual and non-geographic entries: 199/299/399/499/599/699 "Other <continent> nes", 701 countries unknown,
  702 UN and international organisations, 999 "Countries from the Neutral Package" (abolished 2008);
- historical entities whose ISO code was withdrawn: 349 Serbia and Montenegro (SCG, withdrawn 2006),
  449 Netherlands Antilles (ANT, withdrawn 2010);
- parts of a country or territory without an alpha-3 code of their own: 207 Canary Islands, 210 Ceuta,
  256 Melilla (Spain; IC/EA are only reserved alpha-2 codes); 409 Bonaire and 436 Saba (two of the three islands
  of BES, which is not assigned to either so that iso3 stays unique); 438 Saint Martin Islands (split between MAF
  and SXM); 604 Gambier, 605 Marquesas, 612 Society Islands, 615 Tuamotus, 616 Tubuai (island groups of French
  Polynesia, which has its own code 623 = PYF).

Codes worth noting: 110 Hong Kong = HKG, 121 Macao = MAC, 143 Taiwan = TWN, 128 Palestine = PSE, 245 Western
Sahara = ESH, 446 British Virgin Islands = VGB (the raw en list says only "Virgin Islands"; zh 英属维尔京群岛).

``region`` is the UN M49 region (Africa, Americas, Asia, Europe, Oceania) of the entity; so Cyprus (108), Georgia
(337), Armenia (338) and Azerbaijan (339) are Asia (M49 "Western Asia"), Greenland and Bermuda are Americas, Russia
is Europe. Entries M49 does not list separately (Canary Islands, Ceuta, Melilla, the French Polynesian island
groups, Bonaire, Saba, Saint Martin, Serbia and Montenegro, Netherlands Antilles) and the "Other <continent> nes"
residuals take the region where they lie, which is also the continent of GACC's code block (1xx Asia, 2xx Africa,
3xx Europe, 4xx/5xx Americas, 6xx Oceania). ``Other`` is only for the non-geographic 701, 702 and 999.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script: orchestration/rules.py is beside it, not installed

from orchestration import rules  # noqa: E402

DEFAULT_REFERENCE = REPO_ROOT / "reference"
DEFAULT_OUT = REPO_ROOT / "dbt_project" / "seeds"

HS_ZH_FILE = "gacc/zh-hs8-2023.csv"
HS_EN_FILE = "gacc/en-hs8-2023.csv"
PARTNER_ZH_FILE = "gacc/zh-TradingPartner-cleaned-manually.csv"
PARTNER_EN_FILE = "gacc/en-TradingPartner-cleaned-manually.csv"
PARTNER_MAPPING_FILE = "partner_iso3_region.csv"
PROVINCE_ZH_FILE = "gacc/china_customs_provinces.csv"
PROVINCE_EN_FILE = "gacc/en-provinces.csv"
REGIME_ZH_FILE = "gacc/zh-CustomsRegime.csv"
REGIME_EN_FILE = "gacc/en-CustomsRegime.csv"
HS_YEAR = "2023"

PRODUCT_FILE = "dim_product_codes.csv"
PARTNER_FILE = "dim_partner_codes.csv"
PRODUCT_COLUMNS = (
    "hs_code",
    "description_zh",
    "description_en",
    "unit_zh",
    "unit_en",
    "product_group",
    "is_rare_earth",
)
PARTNER_COLUMNS = ("partner_code", "name_zh", "name_en", "iso3", "region")
PROVINCE_FILE = "dim_province_codes.csv"
REGIME_FILE = "dim_regime_codes.csv"
PROVINCE_COLUMNS = ("province_code", "name_zh", "name_en")
REGIME_COLUMNS = ("regime_code", "name_zh", "name_en")
# The row of the code a line gets when its file has no province (regime) column.
UNSPECIFIED_ROW = (rules.unspecified_code(), "未指定", "Unspecified")
TWO_DIGIT_CODE = re.compile(r"\d{2}")

RARE_EARTH_GROUPS = rules.rare_earth_product_groups()
PRODUCT_GROUPS = (*RARE_EARTH_GROUPS, rules.OTHER_GROUP)
REGIONS = ("Africa", "Americas", "Asia", "Europe", "Oceania", "Other")

HS_HEADERS = {
    "zh": (
        "商品编码",
        "商品名称",
        "年份",
        "第一计量单位编码",
        "第一计量单位名称",
        "第二计量单位编码",
        "第二计量单位名称",
    ),
    "en": ("CODES", "DESCRIPTION", "YEAR", "UNIT_1_CODES", "UNIT_1_DESCRIPTION", "UNIT_2_CODES", "UNIT_2_DESCRIPTION"),
}
# One record of a GACC hs8 list: the description runs (across line breaks, over bare quotes) up to the `",YEAR,`
# that closes it; the unit fields never contain quotes, commas or line breaks.
HS_RECORD = re.compile(
    r'(?P<code>\d{8}),"(?P<description>.*?)",(?P<year>\d{4}),'
    r'(?P<unit1_code>[^,"\r\n]*),"(?P<unit1_name>[^"\r\n]*)",'
    r'(?P<unit2_code>[^,"\r\n]*),"(?P<unit2_name>[^"\r\n]*)",(?:\r?\n|\Z)',
    re.DOTALL,
)
PARTNER_CODE = re.compile(r"\d{3}")
ISO3 = re.compile(r"[A-Z]{3}")


class SeedError(Exception):
    """An inconsistency in the reference files that the script will not paper over."""


@dataclass(frozen=True)
class HsRecord:
    code: str
    description: str
    year: str
    unit_code: str
    unit_name: str


def clean_text(text: str) -> str:
    """Control characters become spaces, format characters go, whitespace collapses to single spaces."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category != "Cf":
            kept.append(char)
    return " ".join("".join(kept).split())


def product_group(hs_code: str) -> str:
    """The warehouse's product group of an 8-digit code (the contract in the module docstring)."""
    return rules.product_group_of(hs_code)


def read_hs_list(path: Path, language: str) -> dict[str, HsRecord]:
    """Parse one GB18030 hs8 list of the portal, record by record; every byte must belong to a record."""
    text = path.read_bytes().decode("gb18030")
    text = text.removeprefix("\ufeff")
    header_end = text.find("\n")
    if header_end < 0:
        raise SeedError(f"{path}: no header line")
    header = next(csv.reader([text[:header_end].rstrip("\r")]))
    header = [clean_text(name) for name in header]
    if header and header[-1] == "":
        header.pop()  # the portal's trailing comma
    if tuple(header) != HS_HEADERS[language]:
        raise SeedError(f"{path}: unexpected header {header}, expected {list(HS_HEADERS[language])}")

    records: dict[str, HsRecord] = {}
    position = header_end + 1
    while position < len(text):
        match = HS_RECORD.match(text, position)
        if match is None:
            line = text.count("\n", 0, position) + 1
            raise SeedError(f"{path}: line {line} is not a record: {text[position : position + 120]!r}")
        position = match.end()
        code = match["code"]
        if code in records:
            raise SeedError(f"{path}: code {code} appears twice")
        if match["year"] != HS_YEAR:
            raise SeedError(f"{path}: code {code} has year {match['year']}, expected {HS_YEAR}")
        records[code] = HsRecord(
            code=code,
            description=clean_text(match["description"]),
            year=match["year"],
            unit_code=clean_text(match["unit1_code"]),
            unit_name=clean_text(match["unit1_name"]),
        )
    if not records:
        raise SeedError(f"{path}: no records")
    return records


def canonical_unit_names(records: Iterable[HsRecord]) -> dict[str, str]:
    """The name a list gives each unit code most often (ties: alphabetically first, so the choice is stable)."""
    counts: dict[str, Counter[str]] = {}
    for record in records:
        counts.setdefault(record.unit_code, Counter())[record.unit_name] += 1
    return {code: min(names, key=lambda name: (-names[name], name)) for code, names in counts.items()}


def build_products(zh: dict[str, HsRecord], en: dict[str, HsRecord], report: list[str]) -> list[list[str]]:
    only_zh = sorted(set(zh) - set(en))
    only_en = sorted(set(en) - set(zh))
    report.append(f"hs codes: {len(zh)} in zh list, {len(en)} in en list, {len(set(zh) | set(en))} distinct")
    report.append(f"hs codes only in the zh list ({len(only_zh)}): {', '.join(only_zh) or 'none'}")
    report.append(f"hs codes only in the en list ({len(only_en)}): {', '.join(only_en) or 'none'}")
    for group, prefix in rules.product_group_hs_prefixes().items():
        if not any(code.startswith(prefix) for code in (*zh, *en)):
            raise SeedError(f"contract prefix {prefix} ({group}) matches no code of either hs list")

    en_unit_names = canonical_unit_names(en.values())
    rows: list[list[str]] = []
    for code in sorted(set(zh) | set(en)):
        zh_record, en_record = zh.get(code), en.get(code)
        if zh_record and en_record and zh_record.unit_code != en_record.unit_code:
            report.append(f"unit code differs for {code}: zh {zh_record.unit_code}, en {en_record.unit_code}; kept zh")
        unit_code = next(record.unit_code for record in (zh_record, en_record) if record is not None)
        unit_en = en_unit_names.get(unit_code, en_record.unit_name if en_record else "")
        if en_record and en_record.unit_name != unit_en and en_record.unit_code == unit_code:
            report.append(
                f"unit_en repaired for {code}: unit code {unit_code} is {unit_en!r},"
                f" the en list said {en_record.unit_name!r}"
            )
        group = product_group(code)
        rows.append(
            [
                code,
                zh_record.description if zh_record else "",
                en_record.description if en_record else "",
                zh_record.unit_name if zh_record else "",
                unit_en,
                group,
                "true" if group in RARE_EARTH_GROUPS else "false",
            ]
        )
    groups = Counter(row[5] for row in rows)
    report.append("product groups: " + ", ".join(f"{group} {groups[group]}" for group in PRODUCT_GROUPS))
    return rows


def read_utf8_csv(path: Path, expected_header: Sequence[str]) -> list[list[str]]:
    """A small UTF-8 CSV, control characters (e.g. a stray NUL) neutralised before parsing, fields cleaned."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    text = "".join(" " if unicodedata.category(c) == "Cc" and c not in "\r\n" else c for c in text)
    rows = [[clean_text(field) for field in row] for row in csv.reader(io.StringIO(text, newline=""))]
    rows = [row for row in rows if any(row)]
    if not rows or tuple(rows[0]) != tuple(expected_header):
        raise SeedError(f"{path}: unexpected header {rows[0] if rows else None}, expected {list(expected_header)}")
    return rows[1:]


def read_partner_names(path: Path, header: Sequence[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for row in read_utf8_csv(path, header):
        code, name = row[0], row[1] if len(row) > 1 else ""
        if not PARTNER_CODE.fullmatch(code):
            raise SeedError(f"{path}: partner code {code!r} is not 3 digits")
        if code in names:
            raise SeedError(f"{path}: partner code {code} appears twice")
        names[code] = name
    return names


def read_partner_mapping(path: Path) -> dict[str, tuple[str, str]]:
    mapping: dict[str, tuple[str, str]] = {}
    seen_iso3: dict[str, str] = {}
    for row in read_utf8_csv(path, ("partner_code", "iso3", "region")):
        if len(row) != 3:
            raise SeedError(f"{path}: row {row} does not have 3 fields")
        code, iso3, region = row
        if not PARTNER_CODE.fullmatch(code):
            raise SeedError(f"{path}: partner code {code!r} is not 3 digits")
        if code in mapping:
            raise SeedError(f"{path}: partner code {code} appears twice")
        if iso3 and not ISO3.fullmatch(iso3):
            raise SeedError(f"{path}: iso3 {iso3!r} of {code} is not 3 uppercase letters")
        if iso3 in seen_iso3:
            raise SeedError(f"{path}: iso3 {iso3} is given to both {seen_iso3[iso3]} and {code}")
        if region not in REGIONS:
            raise SeedError(f"{path}: region {region!r} of {code} is not one of {', '.join(REGIONS)}")
        if iso3:
            seen_iso3[iso3] = code
        mapping[code] = (iso3, region)
    return mapping


def build_partners(
    zh: dict[str, str], en: dict[str, str], mapping: dict[str, tuple[str, str]], report: list[str]
) -> list[list[str]]:
    codes = sorted(set(zh) | set(en))
    only_zh = sorted(set(zh) - set(en))
    only_en = sorted(set(en) - set(zh))
    report.append(f"partner codes: {len(zh)} in zh list, {len(en)} in en list, {len(codes)} distinct")
    report.append(f"partner codes only in the zh list ({len(only_zh)}): {', '.join(only_zh) or 'none'}")
    report.append(f"partner codes only in the en list ({len(only_en)}): {', '.join(only_en) or 'none'}")
    missing = [code for code in codes if code not in mapping]
    if missing:
        raise SeedError(f"{PARTNER_MAPPING_FILE} has no row for partner codes {', '.join(missing)}")
    unknown = sorted(set(mapping) - set(codes))
    if unknown:
        raise SeedError(f"{PARTNER_MAPPING_FILE} has rows for codes not in the partner lists: {', '.join(unknown)}")
    for code in codes:
        if not zh.get(code) and not en.get(code):
            raise SeedError(f"partner code {code} has no name in either list")

    rows = [[code, zh.get(code, ""), en.get(code, ""), *mapping[code]] for code in codes]
    without_iso3 = [f"{row[0]} {row[2] or row[1]} ({row[4]})" for row in rows if not row[3]]
    report.append(f"partners without iso3 ({len(without_iso3)}): {'; '.join(without_iso3)}")
    return rows


def read_code_list(path: Path, expected_header: Sequence[str]) -> dict[str, str]:
    """A GACC code list of two columns (``code,name,`` in GB18030, a trailing comma on every line): code -> name."""
    text = path.read_bytes().decode("gb18030").removeprefix("\ufeff")
    rows = [[clean_text(field) for field in row] for row in csv.reader(io.StringIO(text, newline=""))]
    rows = [row[:-1] if row and row[-1] == "" else row for row in rows if any(row)]
    if not rows or tuple(rows[0]) != tuple(expected_header):
        raise SeedError(f"{path}: unexpected header {rows[0] if rows else None}, expected {list(expected_header)}")
    names: dict[str, str] = {}
    for row in rows[1:]:
        if len(row) != 2:
            raise SeedError(f"{path}: row {row} does not have 2 fields")
        code, name = row
        if not TWO_DIGIT_CODE.fullmatch(code):
            raise SeedError(f"{path}: code {code!r} is not 2 digits")
        if code in names:
            raise SeedError(f"{path}: code {code} appears twice")
        if not name:
            raise SeedError(f"{path}: code {code} has no name")
        names[code] = name
    return names


def join_code_lists(kind: str, zh: dict[str, str], en: dict[str, str], report: list[str]) -> list[list[str]]:
    """One row per code, Chinese and English names; both lists must hold the same codes. Then `unspecified`."""
    if set(zh) != set(en):
        only = sorted(set(zh) ^ set(en))
        raise SeedError(f"{kind} codes in only one of the Chinese and English lists: {', '.join(only)}")
    report.append(f"{kind} codes: {len(zh)}")
    return [[code, zh[code], en[code]] for code in sorted(zh)] + [list(UNSPECIFIED_ROW)]


def render_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_atomically(path: Path, content: bytes) -> None:
    """Replace `path` in one step, so a reader (dbt, another process) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build(reference: Path, out: Path) -> list[str]:
    """Read the reference files, write both seeds into `out`, return the report lines."""
    report: list[str] = []
    zh_hs = read_hs_list(reference / HS_ZH_FILE, "zh")
    en_hs = read_hs_list(reference / HS_EN_FILE, "en")
    products = build_products(zh_hs, en_hs, report)

    zh_partners = read_partner_names(reference / PARTNER_ZH_FILE, ("code", "zh"))
    en_partners = read_partner_names(reference / PARTNER_EN_FILE, ("code", "en", "comment"))
    mapping = read_partner_mapping(reference / PARTNER_MAPPING_FILE)
    partners = build_partners(zh_partners, en_partners, mapping, report)

    provinces = join_code_lists(
        "province",
        read_code_list(reference / PROVINCE_ZH_FILE, ("收发货人注册地编码", "收发货人注册地名称")),
        {code: name for code, name in read_utf8_csv(reference / PROVINCE_EN_FILE, ("province_code", "name_en"))},
        report,
    )
    regimes = join_code_lists(
        "customs regime",
        read_code_list(reference / REGIME_ZH_FILE, ("贸易方式编码", "贸易方式名称")),
        read_code_list(reference / REGIME_EN_FILE, ("Customs Regime code", "Customs Regime")),
        report,
    )

    written = {
        PRODUCT_FILE: render_csv(PRODUCT_COLUMNS, products),
        PARTNER_FILE: render_csv(PARTNER_COLUMNS, partners),
        PROVINCE_FILE: render_csv(PROVINCE_COLUMNS, provinces),
        REGIME_FILE: render_csv(REGIME_COLUMNS, regimes),
    }
    for name, content in written.items():
        write_atomically(out / name, content)
    counts = (len(products), len(partners), len(provinces), len(regimes))
    report.append("wrote " + ", ".join(f"{out / name} ({n} rows)" for name, n in zip(written, counts, strict=True)))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"folder for the seed CSVs (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--reference", type=Path, default=DEFAULT_REFERENCE, help=f"reference folder (default {DEFAULT_REFERENCE})"
    )
    args = parser.parse_args(argv)
    try:
        lines = build(args.reference, args.out)
    except (SeedError, OSError, UnicodeDecodeError) as error:
        print(f"build_seeds: error: {error}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
