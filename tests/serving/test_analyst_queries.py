"""The README's analyst queries (examples/analyst_queries.sql) run on DuckDB, Parquet and PostgreSQL, and agree."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration.serving.local_postgres import Credentials
from orchestration.warehouse import REPO_ROOT

pytestmark = pytest.mark.slow

QUERIES_FILE = REPO_ROOT / "examples" / "analyst_queries.sql"


def analyst_queries() -> dict[str, str]:
    """name -> SQL, from the `-- name:` blocks of the file."""
    blocks = re.split(r"^-- name: *(\S+) *$", QUERIES_FILE.read_text(encoding="utf-8"), flags=re.M)[1:]
    return {name: body.strip().rstrip(";") for name, body in zip(blocks[::2], blocks[1::2], strict=True)}


def normalised(rows: list[tuple]) -> list[tuple]:
    """Engines differ in number types (DECIMAL, numeric, double), not in values."""

    def value(v: object) -> object:
        if isinstance(v, Decimal | float):
            return round(float(v), 6)
        return v

    return [tuple(value(v) for v in row) for row in rows]


def on_duckdb(database: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return normalised(con.execute(query).fetchall())
    finally:
        con.close()


def on_parquet(exports: Path, query: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.execute("create schema marts")
        for parquet in sorted(exports.glob("*.parquet")):
            con.execute(f"create view marts.{parquet.stem} as select * from read_parquet('{parquet}')")
        return normalised(con.execute(query).fetchall())
    finally:
        con.close()


def on_postgres(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as pg:
        return normalised(pg.execute(query).fetchall())


def test_the_file_holds_at_least_eight_questions_with_their_sql() -> None:
    queries = analyst_queries()
    assert len(queries) >= 8
    for name, sql in queries.items():
        assert sql.splitlines()[0].startswith("-- "), f"{name}: starts with its question"


@pytest.mark.parametrize("name", sorted(analyst_queries()))
def test_each_query_agrees_on_duckdb_parquet_and_postgres(
    name: str, replica: Credentials, published_sample: Path
) -> None:
    query = analyst_queries()[name]
    duck = on_duckdb(published_sample, query)
    assert duck, f"{name} returned nothing on the sample"
    assert on_parquet(published_sample.parent / "exports", query) == duck
    assert on_postgres(replica.reader_url, query) == duck


def test_the_queries_answer_the_questions_on_the_sample(published_sample: Path) -> None:
    queries = analyst_queries()
    us = on_duckdb(published_sample, queries["us_magnets_by_month"])
    assert us[-2][0] == date(2025, 11, 1) and us[-2][1:] == (582.0, -11.3)
    recovery = on_duckdb(published_sample, queries["trough_and_recovery_since_export_controls"])
    trough = [row for row in recovery if row[3]]
    assert [(row[0], row[1]) for row in trough] == [(date(2025, 5, 1), 46.0)]
    top = on_duckdb(published_sample, queries["top_magnet_destinations_last_month"])
    assert len(top) == 10 and top[0][1] >= top[-1][1]
    provinces = on_duckdb(published_sample, queries["magnet_exports_by_province"])
    assert {row[0] for row in provinces} == {date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)}
    december = [row for row in provinces if row[0] == date(2025, 12, 1)]
    assert len(december) >= 5 and "unspecified" not in {row[1] for row in december}
    assert abs(sum(row[4] for row in december) - 100) <= 0.5  # the shares of world magnets, rounded
    assert december[0][2] == "Zhejiang"  # Ningbo's magnet makers
