"""The business rules have one home, the vars of dbt_project/dbt_project.yml: Python reads what dbt renders, the
kilogram rule decides alike in dbt's macro and in Python, the UI's tonnes agree with the marts, the raw layer's
view flags held-back and current lines, and the rules' literals do not creep back into the code."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import ZH_HEADER, render_csv
from test_marts import dbt_build, run_dbt

from orchestration import rules
from orchestration.build_database import FLAGGED_VIEW, connect_build_db
from orchestration.loading.ingest import ingest_landing
from orchestration.loading.summary import tonnes_by_group
from orchestration.reference_codes import code_units
from orchestration.sample import write_sample_files
from orchestration.warehouse import REPO_ROOT, Warehouse

# (unit as written, the code's first unit): every way a line's unit can decide, or leave it to its code.
KILOGRAM_CASES = [
    (unit, code_unit)
    for unit in ("千克", "Kilogram", " KG ", "kilograms", "Piece", "个", "", None)
    for code_unit in ("Kilogram", "Number of item", None)
]


def sql_text(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def dbt_inline(sql: str, tmp: Path) -> str:
    """`sql` as dbt compiles it in this project (vars, macros)."""
    (tmp / "warehouse" / "build").mkdir(parents=True, exist_ok=True)
    return run_dbt(tmp / "warehouse", tmp, "compile", "--quiet", "--inline", sql)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], str]:
    """The vars as dbt renders them, and a query of the macro is_kilogram over KILOGRAM_CASES."""
    names = ("kilogram_units", "rare_earth_product_groups", "product_group_hs_prefixes", "us_partner_code")
    values = ", ".join(f"({sql_text(unit)}, {sql_text(code_unit)})" for unit, code_unit in KILOGRAM_CASES)
    sql = (
        "-- vars: {{ tojson({" + ", ".join(f"'{name}': var('{name}')" for name in names) + "}) }}\n"
        "select unit, code_unit, {{ is_kilogram('unit', 'code_unit') }} as is_kilogram\n"
        f"from (values {values}) as cases (unit, code_unit)"
    )
    output = dbt_inline(sql, tmp_path_factory.mktemp("rules"))
    [vars_line] = [line for line in output.splitlines() if line.startswith("-- vars: ")]
    return json.loads(vars_line.removeprefix("-- vars: ")), output[output.index("-- vars: ") :]


def test_python_reads_the_vars_dbt_renders(compiled: tuple[dict[str, object], str]) -> None:
    rendered, _ = compiled
    assert rendered == {
        "kilogram_units": list(rules.kilogram_units()),
        "rare_earth_product_groups": list(rules.rare_earth_product_groups()),
        "product_group_hs_prefixes": rules.product_group_hs_prefixes(),
        "us_partner_code": rules.us_partner_code(),
    }
    assert rules.rare_earth_product_groups() == ("magnets", "metals", "compounds", "ferroalloys")
    assert rules.us_partner_code() == "502"
    assert all(unit == unit.lower() for unit in rules.kilogram_units())


def test_the_kilogram_rule_decides_alike_in_dbt_and_python(compiled: tuple[dict[str, object], str]) -> None:
    _, query = compiled
    in_dbt = {(unit, code_unit): is_kg for unit, code_unit, is_kg in duckdb.sql(query).fetchall()}
    in_python = {(unit, code_unit): rules.is_kilogram(unit, code_unit) for unit, code_unit in KILOGRAM_CASES}
    assert in_dbt == in_python
    # The rule itself: the line's unit decides; without one, the code's unit; without that, kilograms.
    assert in_python[(" KG ", "Number of item")] and not in_python[("个", "Kilogram")]
    assert in_python[(None, "Kilogram")] and not in_python[("", "Number of item")] and in_python[(None, None)]


def test_the_seeds_product_groups_follow_the_prefixes() -> None:
    for hs_code, unit in code_units().items():
        assert unit is not None
        assert rules.product_group_of(hs_code) in (*rules.rare_earth_product_groups(), rules.OTHER_GROUP)
    assert rules.product_group_of("85051110") == "magnets" and rules.product_group_of("28469013") == "compounds"
    assert rules.product_group_of("85051190") == "other"


def test_the_raw_view_flags_held_and_current_lines(warehouse: Warehouse) -> None:
    """A later vintage replaces an earlier one per (flow, month, hs_code, period kind), and only that commodity;
    a held-back month of a file keeps its earlier vintage, while the same file's other month is current."""
    lines = [  # month, hs_code, vintage, period_kind, (is_held, is_current)
        ("2025-10-01", "85051110", 1, "month", (False, False)),
        ("2025-10-01", "28053000", 1, "month", (False, True)),
        ("2025-10-01", "85051110", 2, "month", (False, True)),
        ("2025-10-01", "85051110", 5, "ytd", (False, True)),
        ("2025-11-01", "85051110", 3, "month", (False, True)),
        ("2025-11-01", "85051110", 4, "month", (True, False)),
        ("2025-12-01", "85051110", 4, "month", (False, True)),
    ]
    con = connect_build_db(warehouse)
    try:
        con.executemany(
            """insert into raw.customs_lines (flow, month, period_months, hs_code, partner_code, quantity_kg,
                   source_file, source_sha256, row_number, vintage, loaded_at, period_kind)
               values ('export', ?, 1, ?, '116', 1, 'f.csv', 'sha', ?, ?, now(), ?)""",
            [(month, code, i, vintage, kind) for i, (month, code, vintage, kind, _) in enumerate(lines)],
        )
        con.execute(
            "insert into audit.held_months values ('export', '2025-11-01', 4, 'f.csv', 'raw_month_expectations', "
            "'bad', now())"
        )
        flags = con.execute(f"select row_number, is_held, is_current from {FLAGGED_VIEW} order by 1").fetchall()
        [(current,)] = con.execute("select count(*) from raw.current_customs_lines").fetchall()
    finally:
        con.close()
    assert [(held, cur) for _, held, cur in flags] == [expected for *_, expected in lines]
    assert current == sum(expected[1] for *_, expected in lines)


@pytest.mark.slow
def test_the_ui_tonnes_by_group_are_the_marts_tonnes(tmp_path: Path) -> None:
    """tonnes_by_group (the ingest asset's metadata) and the marts sum the same lines, for the sample's months and
    for a month of units in every spelling, lines without a unit, a unit that is not kilograms and an unknown code."""
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    write_sample_files(warehouse.landing)
    january = [
        ["202601", "85051110", "稀土永磁", "502", "美国", "500,000", "千克", "1"],
        ["202601", "85051110", "稀土永磁", "116", "日本", "2,000", "KG", "1"],
        ["202601", "28053011", "钕", "304", "德国", "1,500", "Kilograms", "1"],
        ["202601", "28469013", "氧化钕", "116", "日本", "40,000", "", "1"],
        ["202601", "28469013", "氧化钕", "304", "德国", "7", "个", "1"],
        ["202601", "06011010", "番红花球茎", "304", "德国", "9", "", "1"],
        ["202601", "99999999", "未知", "304", "德国", "3,000", "", "1"],
    ]
    path = warehouse.landing / "exports" / "units_2026-01.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_csv(ZH_HEADER, january), encoding="utf-8")
    ingest_landing(warehouse)
    dbt_build(warehouse, tmp_path)

    con = duckdb.connect(str(warehouse.build_db), read_only=True)
    try:
        for first, last in ((date(2026, 1, 1), date(2026, 1, 1)), (date(2025, 11, 1), date(2025, 12, 1))):
            marts = con.execute(
                """select flow || ':' || product_group, sum(tonnes) from marts.fct_trade_monthly
                   where month between ? and ? group by all having sum(tonnes) <> 0""",
                [first, last],
            ).fetchall()
            assert tonnes_by_group(con, first, last) == pytest.approx({series: float(t) for series, t in marts})
        january_tonnes = tonnes_by_group(con, date(2026, 1, 1), date(2026, 1, 1))
    finally:
        con.close()
    assert january_tonnes == pytest.approx(
        {"export:magnets": 502.0, "export:metals": 1.5, "export:compounds": 40.0, "export:other": 3.0}
    )


# The files of logic: SQL, Python (the generated sample aside) and the expectation suites. Tests are not
# scanned, nor examples/ (analysts' queries of the published file, where no var exists) nor YAML config.
def logic_files() -> dict[str, str]:
    patterns = [
        ("dbt_project/models", "*.sql"),
        ("dbt_project/macros", "*.sql"),
        ("dbt_project/tests", "*.sql"),
        ("dbt_project/analyses", "*.sql"),
        ("orchestration", "*.py"),
        ("scripts", "*.py"),
        ("expectations", "*.json"),
    ]
    files = {
        path.relative_to(REPO_ROOT).as_posix(): path.read_text(encoding="utf-8")
        for folder, pattern in patterns
        for path in (REPO_ROOT / folder).rglob(pattern)
    }
    return {name: text for name, text in files.items() if not name.startswith("orchestration/sample/")}


def files_matching(pattern: re.Pattern[str]) -> set[str]:
    return {name for name, text in logic_files().items() if pattern.search(text)}


def test_the_kilogram_units_are_written_in_dbt_project_yml_only() -> None:
    units = re.compile(r"千克|['\"](?:kilograms?|kg)['\"]", re.IGNORECASE)
    # build_seeds.py's docstring explains a repair of the code lists' unit names.
    assert files_matching(units) <= {"scripts/build_seeds.py"}
    assert len(files_matching(units)) <= 2


def test_the_us_partner_code_is_written_in_dbt_project_yml_only() -> None:
    assert files_matching(re.compile(r"(?<![\d.])502(?!\d)")) == set()


def test_the_product_group_list_is_written_in_dbt_project_yml_only() -> None:
    names = rules.rare_earth_product_groups()
    quoted = [re.compile(rf"['\"]{name}['\"]") for name in names]
    listed = {name for name, text in logic_files().items() if sum(bool(q.search(text)) for q in quoted) >= 2}
    assert listed == set()
    in_sequence = re.compile(r"\W+".join(names))
    assert files_matching(in_sequence) == set()
    yaml_lists = {
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "dbt_project").glob("[ms]*/**/*.yml")
        if re.search(r"values:.*\b" + names[1] + r"\b", path.read_text(encoding="utf-8"))
    }
    assert yaml_lists == set()
