"""The dimension seeds: reproducible from reference/ by scripts/build_seeds.py, complete, clean, and loadable by dbt.

The reference lists are parsed here independently of the script (a regex for the hs codes, the csv module for the
partner lists), so a parsing bug in the script cannot hide behind its own output.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.warehouse import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "build_seeds.py"
REFERENCE = REPO_ROOT / "reference"
GACC = REFERENCE / "gacc"
SEEDS = REPO_ROOT / "dbt_project" / "seeds"
SEED_FILES = ("dim_partner_codes.csv", "dim_product_codes.csv", "dim_province_codes.csv", "dim_regime_codes.csv")
PRODUCT_HEADER = ["hs_code", "description_zh", "description_en", "unit_zh", "unit_en", "product_group", "is_rare_earth"]
PARTNER_HEADER = ["partner_code", "name_zh", "name_en", "iso3", "region"]
HEADERS = {
    "dim_product_codes.csv": PRODUCT_HEADER,
    "dim_partner_codes.csv": PARTNER_HEADER,
    "dim_province_codes.csv": ["province_code", "name_zh", "name_en"],
    "dim_regime_codes.csv": ["regime_code", "name_zh", "name_en"],
}
REGIONS = {"Africa", "Americas", "Asia", "Europe", "Oceania", "Other"}
RARE_EARTH_GROUPS = {"magnets", "metals", "compounds", "ferroalloys"}


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def products() -> dict[str, dict[str, str]]:
    return {row["hs_code"]: row for row in read_seed("dim_product_codes.csv")}


@pytest.fixture(scope="module")
def partners() -> dict[str, dict[str, str]]:
    return {row["partner_code"]: row for row in read_seed("dim_partner_codes.csv")}


def hs_codes_of_2023_lists() -> set[str]:
    """Every code that starts a record in the zh or en 2023 list (a record starts a line: `01012100,"...`)."""
    codes: set[str] = set()
    for name in ("zh-hs8-2023.csv", "en-hs8-2023.csv"):
        text = (GACC / name).read_bytes().decode("gb18030")
        codes |= set(re.findall(r'^(\d{8}),"', text, flags=re.MULTILINE))
    return codes


def partner_codes_of_cleaned_lists() -> dict[str, set[str]]:
    lists = {}
    for language in ("zh", "en"):
        text = (GACC / f"{language}-TradingPartner-cleaned-manually.csv").read_bytes().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text.replace("\x00", ""), newline="")))
        lists[language] = {row[0].strip() for row in rows[1:] if row}
    return lists


def test_rerunning_the_script_reproduces_the_committed_seeds_byte_for_byte(tmp_path: Path) -> None:
    for run in ("first", "second"):
        out = tmp_path / run
        result = run_script("--out", str(out))
        assert result.returncode == 0, result.stdout + result.stderr
        for name in SEED_FILES:
            assert (out / name).read_bytes() == (SEEDS / name).read_bytes(), f"{name} differs from the committed seed"
        assert sorted(path.name for path in out.iterdir()) == sorted(SEED_FILES)


@pytest.mark.parametrize("name", SEED_FILES)
def test_seed_files_are_clean_one_line_per_row_utf8(name: str) -> None:
    data = (SEEDS / name).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf"), "BOM"
    assert b"\r" not in data
    assert data.endswith(b"\n")
    text = data.decode("utf-8")
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text), "control character"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == text.count("\n"), "a field spans lines"
    assert rows[0] == HEADERS[name]
    assert {len(row) for row in rows} == {len(rows[0])}
    for row in rows[1:]:
        for field in row:
            assert field == field.strip() and "  " not in field, row
    codes = [row[0] for row in rows[1:]]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)


def test_every_2023_code_is_a_product_with_its_descriptions(products: dict[str, dict[str, str]]) -> None:
    codes = hs_codes_of_2023_lists()
    assert len(products) == len(codes)
    assert set(products) == codes
    assert all(re.fullmatch(r"\d{8}", code) for code in products)
    assert products["01012100"]["description_en"] == "Live pure-bred breeding horses"
    assert (products["85051110"]["unit_zh"], products["85051110"]["unit_en"]) == ("千克", "Kilogram")
    # The portal writes quotes unescaped and breaks lines inside descriptions; the seed has the text as meant.
    assert products["40117010"]["description_en"] == (
        'New rubber pneumatic tyres with "herring-bone", for agricultural/forestry vehicles and machines'
    )
    assert products["84807110"]["description_en"] == '"Bladder" moulds for vulcanising tyres'
    assert products["30069300"]["description_en"].startswith("Placebos and blinded (or double-blinded) clinical")
    assert "wind jackets" in products["62012000"]["description_en"]


def test_product_groups_follow_the_contract(products: dict[str, dict[str, str]]) -> None:
    for code, row in products.items():
        if code == "85051110":
            expected = "magnets"
        elif code.startswith("280530"):
            expected = "metals"
        elif code.startswith("2846"):
            expected = "compounds"
        elif code == "72029991":
            expected = "ferroalloys"
        else:
            expected = "other"
        assert row["product_group"] == expected, code
        assert row["is_rare_earth"] == ("true" if expected in RARE_EARTH_GROUPS else "false"), code
    assert products["85051110"]["product_group"] == "magnets"
    assert products["72029991"]["product_group"] == "ferroalloys"
    assert {"28053011", "28053018", "28053029"} <= {c for c, r in products.items() if r["product_group"] == "metals"}
    assert {"28461010", "28469018", "28469099"} <= {c for c, r in products.items() if r["product_group"] == "compounds"}


def test_every_partner_code_of_both_cleaned_lists_is_in_the_seed(partners: dict[str, dict[str, str]]) -> None:
    lists = partner_codes_of_cleaned_lists()
    assert lists["zh"] and lists["en"]
    assert lists["zh"] | lists["en"] == set(partners)
    assert all(re.fullmatch(r"\d{3}", code) for code in partners)
    assert partners["349"]["name_en"] == "Serbia and Montenegro"  # the en list has a NUL byte before it


def two_column_list(name: str) -> dict[str, str]:
    """A GACC code list of two columns (GB18030, a trailing comma on every line), read with the csv module."""
    rows = list(csv.reader(io.StringIO((GACC / name).read_bytes().decode("gb18030"), newline="")))
    return {row[0]: row[1] for row in rows[1:] if row}


def test_every_province_and_regime_code_is_in_its_seed_with_both_names_and_unspecified() -> None:
    provinces = {row["province_code"]: row for row in read_seed("dim_province_codes.csv")}
    listed = two_column_list("china_customs_provinces.csv")
    assert len(listed) == 31 and set(provinces) == set(listed) | {"unspecified"}
    assert all(provinces[code]["name_zh"] == name for code, name in listed.items())
    assert all(row["name_en"] and row["name_zh"] for row in provinces.values())
    spot = {"11": "Beijing", "15": "Inner Mongolia", "33": "Zhejiang", "36": "Jiangxi", "44": "Guangdong"}
    assert {code: provinces[code]["name_en"] for code in spot} == spot
    assert provinces["15"]["name_zh"] == "内蒙古自治区"
    regimes = {row["regime_code"]: row for row in read_seed("dim_regime_codes.csv")}
    assert set(regimes) == set(two_column_list("zh-CustomsRegime.csv")) | {"unspecified"}
    assert (regimes["10"]["name_zh"], regimes["10"]["name_en"]) == ("一般贸易", "Ordinary Trade")
    assert regimes["15"]["name_en"] == "Processing with Imported Materials"
    for seed in (provinces, regimes):
        assert (seed["unspecified"]["name_zh"], seed["unspecified"]["name_en"]) == ("未指定", "Unspecified")


def test_the_curated_mapping_has_one_row_per_partner_code() -> None:
    with (REFERENCE / "partner_iso3_region.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["partner_code", "iso3", "region"]
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == len(set(codes))
    lists = partner_codes_of_cleaned_lists()
    assert set(codes) == lists["zh"] | lists["en"]


def test_iso3_codes_are_well_formed_and_unique_and_regions_are_allowed(partners: dict[str, dict[str, str]]) -> None:
    iso3 = [row["iso3"] for row in partners.values() if row["iso3"]]
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in iso3)
    assert len(iso3) == len(set(iso3))
    assert {row["region"] for row in partners.values()} <= REGIONS
    for code in ("199", "701", "702", "999", "349"):
        assert partners[code]["iso3"] == "", code
    assert {code for code, row in partners.items() if row["region"] == "Other"} == {"701", "702", "999"}


@pytest.mark.parametrize(
    ("code", "name_en", "iso3", "region"),
    [
        ("502", "United States", "USA", "Americas"),
        ("304", "Germany", "DEU", "Europe"),
        ("133", "South Korea", "KOR", "Asia"),
        ("141", "Vietnam", "VNM", "Asia"),
        ("116", "Japan", "JPN", "Asia"),
        ("111", "India", "IND", "Asia"),
        ("110", "Hong Kong", "HKG", "Asia"),
        ("143", "Taiwan", "TWN", "Asia"),
        ("601", "Australia", "AUS", "Oceania"),
    ],
)
def test_partner_spot_checks(
    partners: dict[str, dict[str, str]], code: str, name_en: str, iso3: str, region: str
) -> None:
    row = partners[code]
    assert (row["name_en"], row["iso3"], row["region"]) == (name_en, iso3, region)
    assert row["name_zh"]


def test_the_script_fails_loudly_when_a_partner_has_no_mapping_row(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(GACC, reference / "gacc")
    mapping = (REFERENCE / "partner_iso3_region.csv").read_text(encoding="utf-8")
    (reference / "partner_iso3_region.csv").write_text(
        "".join(line for line in mapping.splitlines(keepends=True) if not line.startswith("502,")), encoding="utf-8"
    )
    result = run_script("--reference", str(reference), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "502" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_dbt_loads_the_seeds_with_their_column_types(tmp_path: Path) -> None:
    """`dbt seed` on a copy of the project holding only the seeds and the macros, which say how seeds load (the
    models are not this test's business)."""
    duckdb = pytest.importorskip("duckdb")
    rare_earth_codes = sum(row["is_rare_earth"] == "true" for row in read_seed("dim_product_codes.csv"))
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "dbt_project" / "models" / "_groups.yml", project / "models")  # the seeds' owners
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(REPO_ROOT / "dbt_project" / name, project / name)
    shutil.copytree(SEEDS, project / "seeds")
    shutil.copytree(REPO_ROOT / "dbt_project" / "macros", project / "macros")
    warehouse = tmp_path / "warehouse"
    (warehouse / "build").mkdir(parents=True)
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [
            str(dbt),
            "seed",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        env={"WAREHOUSE_DIR": str(warehouse), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(warehouse / "build" / "rare_earth_build.duckdb"), read_only=True) as connection:
        types = dict(
            connection.execute(
                "select table_name || '.' || column_name, data_type from information_schema.columns"
                " where table_name in ('dim_product_codes', 'dim_partner_codes')"
            ).fetchall()
        )
        assert types.pop("dim_product_codes.is_rare_earth") == "BOOLEAN"
        assert set(types.values()) == {"VARCHAR"}
        assert len(types) == len(PRODUCT_HEADER) + len(PARTNER_HEADER) - 1
        schema = connection.execute(
            "select table_schema from information_schema.tables where table_name = 'dim_product_codes'"
        ).fetchone()[0]
        assert connection.execute(
            f"select count(*), count(*) filter (where is_rare_earth), min(hs_code) from {schema}.dim_product_codes"
        ).fetchone() == (len(hs_codes_of_2023_lists()), rare_earth_codes, "01012100")
        assert connection.execute(
            f"select count(*), count(iso3) from {schema}.dim_partner_codes where partner_code = '502' and iso3 = 'USA'"
        ).fetchone() == (1, 1)
