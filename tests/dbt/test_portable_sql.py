"""The dbt project stays portable: the DuckDB-only spellings that Spark rejects, or reads differently, never come back.

Each has a portable form (the issue's table): a dispatch macro in macros/portable.sql, whose `duckdb__` and
`default__` bodies are the only place the DuckDB spelling may stay, or SQL both engines read alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"

# (what the construct is, the pattern that finds it, the portable form).
RULES: list[tuple[str, re.Pattern[str], str]] = [
    ("varchar without a length", re.compile(r"\bvarchar\b(?!\s*\()", re.I), "string"),
    ("* replace(...)", re.compile(r"\*\s*replace\s*\(", re.I), "explicit columns"),
    ("* exclude(...)", re.compile(r"\*\s*exclude\s*\(", re.I), "* except(...)"),
    ("string_agg", re.compile(r"\bstring_agg\s*\(", re.I), "macro sorted_distinct_list"),
    ("first/last(... order by ...)", re.compile(r"\b(first|last)\s*\([^()]*\border\s+by\b", re.I), "QUALIFY or min_by"),
    ("format('{...}')", re.compile(r"\bformat\s*\(\s*'\{", re.I), "macro number_text"),
    ("to_months()", re.compile(r"\bto_months\s*\(", re.I), "macro add_months_to"),
    ("starts_with()", re.compile(r"\bstarts_with\s*\(", re.I), "like 'prefix%'"),
    # Spark drops the backslash of '\.' without an error, and the regex then matches any character.
    ("a backslash in a string literal", re.compile(r"'[^'\n]*\\[^'\n]*'"), "a character class such as [.]"),
    ("the delete+insert strategy", re.compile(r"delete\+insert"), "macro monthly_incremental"),
]

# The bodies where an engine's own spelling belongs.
ENGINE_MACRO = re.compile(r"\{%-?\s*macro\s+(duckdb|default)__\w+.*?\{%-?\s*endmacro\s*-?%\}", re.S)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
# Configuration: monthly_incremental() returns DuckDB's strategy as a value, chosen by target.type.
ALLOWED = {("the delete+insert strategy", "macros/portable.sql")}


def violations(text: str, path: str = "") -> list[str]:
    """The non-portable constructs in one file's text, as 'construct (line n): use ...'."""
    # Blanked, not removed, so that line numbers stay right.
    for pattern in (JINJA_COMMENT, ENGINE_MACRO):
        text = pattern.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)
    if path.endswith((".yml", ".yaml")):
        # YAML holds types and config, not SQL: only the type names matter there.
        text = "\n".join(re.sub(r"#.*", "", line) for line in text.splitlines())
    found = []
    for name, pattern, portable in RULES:
        if (name, path) in ALLOWED or (path.endswith(".yml") and name != "varchar without a length"):
            continue
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name} (line {line}): use {portable}")
    return found


def project_files() -> list[Path]:
    folders = ["models", "macros", "tests", "seeds"]
    return sorted(
        path
        for folder in folders
        for path in (DBT_PROJECT / folder).rglob("*")
        if path.suffix in {".sql", ".yml"} and path.is_file()
    )


def test_the_project_has_no_duckdb_only_sql() -> None:
    files = project_files()
    assert len(files) > 20, "the lint found too few files to be looking in the right place"
    problems = {
        str(path.relative_to(DBT_PROJECT)): found
        for path in files
        if (found := violations(path.read_text(encoding="utf-8"), str(path.relative_to(DBT_PROJECT))))
    }
    assert problems == {}


@pytest.mark.parametrize(
    "sql",
    [
        "select cast(x as varchar) from t",
        "select * replace (coalesce(a, 1) as a) from t",
        "select * exclude (a) from t",
        "select string_agg(distinct f, ', ' order by f) from t",
        "select first(m order by t, m) from t",
        "select 'x' || format('{:.1f}', y) from t",
        "select d + to_months(3) from t",
        "select starts_with(code, '2846') from t",
        r"select regexp_extract(s, '([0-9]+(\.[0-9]+)?)%', 1) from t",
        "{{ config(materialized='incremental', incremental_strategy='delete+insert') }}",
    ],
)
def test_each_construct_is_rejected(sql: str) -> None:
    assert len(violations(sql, "models/example.sql")) == 1


def test_yaml_types_and_engine_macros() -> None:
    assert violations("        data_type: varchar\n", "models/_m.yml") == [
        "varchar without a length (line 1): use string"
    ]
    assert violations("        data_type: string  # not varchar\n", "models/_m.yml") == []
    # DuckDB's own spelling stays in its implementation of a dispatch macro, and in comments.
    duckdb_body = "{% macro duckdb__x(e) -%}\n    string_agg(distinct {{ e }}, ',' order by {{ e }})\n{%- endmacro %}"
    assert violations(duckdb_body + "\n{#- not string_agg( -#}", "macros/x.sql") == []
    spark_body = "{% macro spark__x(e) -%}\n    string_agg({{ e }}, ',')\n{%- endmacro %}"
    assert violations(spark_body, "macros/x.sql") == ["string_agg (line 2): use macro sorted_distinct_list"]
