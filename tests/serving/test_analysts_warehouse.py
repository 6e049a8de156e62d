"""The published warehouse as an analyst meets it: numbers that compute, partners by ISO code, comments on
everything, and an audit schema that explains itself (the sample, loaded by the real CLI)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import PUBLISHED_MARTS

from orchestration.build_database import AUDIT_DOCS

MEASURE_SUFFIXES = ("tonnes", "_pct", "value_usd", "value_cny")
FLAGS = ("_complete", "_derived")


def published(path: Path, sql: str, parameters: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, parameters).fetchall()
    finally:
        con.close()


def mart_columns(path: Path) -> list[tuple[str, str, str, str | None]]:
    """(table, column, type, comment) of every mart column."""
    return published(
        path,
        """select table_name, column_name, data_type, comment from duckdb_columns()
           where schema_name = 'marts' order by table_name, column_index""",
    )


def test_no_measure_of_any_mart_is_decimal_and_kilograms_stay_exact(published_sample: Path) -> None:
    columns = mart_columns(published_sample)
    measures = [(t, c, kind) for t, c, kind, _ in columns if c.endswith(MEASURE_SUFFIXES) or c.startswith("value_")]
    assert len(measures) > 40
    not_double = [
        (t, c, kind) for t, c, kind in measures if kind != "DOUBLE" and not c.endswith(("_complete", "_derived"))
    ]
    assert not_double == []
    assert [kind for t, c, kind, _ in columns if (t, c) == ("fct_trade_monthly", "quantity_kg")] == ["DECIMAL(18,3)"]


def test_pandas_arithmetic_on_the_parquet_exports_works_without_casts(published_sample: Path) -> None:
    magnets = pd.read_parquet(published_sample.parent / "exports" / "magnet_exports_monthly.parquet")
    us = magnets[magnets.partner_code == "502"].set_index("month")
    projected = us.tonnes * (1 + us.mom_pct / 100)  # a TypeError with Decimal tonnes and float percentages
    assert projected.dtype == "float64"
    november = us.loc[date(2025, 11, 1)]
    assert november.tonnes == 582
    assert round(november.mom_pct, 1) == -11.3
    assert str(november.tonnes) == "582.0"  # no noise from the exact sum: 582.0, not 582.0000000001


def test_every_mart_with_a_partner_names_it_and_finds_it_by_iso_code(published_sample: Path) -> None:
    columns = mart_columns(published_sample)
    tables = {t for t, *_ in columns}
    with_partner = {t for t, c, *_ in columns if c == "partner_code"} - {"dim_partner"}  # the partners themselves
    assert with_partner == {
        "fct_trade_monthly",
        "exports_by_group_monthly",
        "exports_by_province_monthly",
        "exports_by_regime_monthly",
        "magnet_exports_monthly",
        "revisions",
        "published_reconciliation",
        "mirror_trade_monthly",
    }
    for table in with_partner:
        assert {"partner_iso3", "partner_name_en", "partner_name_zh"} <= {c for t, c, *_ in columns if t == table}
    assert "dim_partner" in tables
    by_iso = published(
        published_sample,
        "select month, tonnes, partner_name_en, partner_name_zh from marts.magnet_exports_monthly "
        "where partner_iso3 = 'USA' order by month",
    )
    by_code = published(
        published_sample,
        "select month, tonnes, partner_name_en, partner_name_zh from marts.magnet_exports_monthly "
        "where partner_code = '502' order by month",
    )
    assert by_iso == by_code and len(by_iso) == 24
    assert by_iso[0][2:] == ("United States", "美国")
    [world] = published(
        published_sample,
        "select distinct partner_name_en, partner_name_zh, partner_iso3 from marts.exports_by_group_monthly "
        "where partner_code = 'WORLD'",
    )
    assert world == ("World", "世界", None)


def test_every_mart_table_and_nearly_every_column_has_a_comment(published_sample: Path) -> None:
    tables = published(
        published_sample, "select table_name, comment from duckdb_tables() where schema_name = 'marts' order by 1"
    )
    assert [t for t, _ in tables] == PUBLISHED_MARTS
    assert [t for t, comment in tables if not comment] == []
    columns = mart_columns(published_sample)
    commented = [c for *_, c in columns if c]
    assert len(commented) / len(columns) >= 0.9, [(t, c) for t, c, _, comment in columns if not comment]
    [(tonnes,)] = published(
        published_sample,
        "select comment from duckdb_columns() where table_name = 'magnet_exports_monthly' and column_name = 'tonnes'",
    )
    assert tonnes.startswith("Metric tonnes = kilograms / 1000")


def test_the_published_audit_schema_holds_only_documented_tables_and_the_latest_publish(published_sample: Path) -> None:
    audit = dict(
        published(published_sample, "select table_name, comment from duckdb_tables() where schema_name = 'audit'")
    )
    assert set(audit) == set(AUDIT_DOCS)  # dbt's stored test failures and the failed builds stay in the build
    assert all(audit.values())
    [(missing,)] = published(
        published_sample,
        "select count(*) from duckdb_columns() where schema_name = 'audit' and comment is null",
    )
    assert missing == 0
    [(latest_publish, meta_published_at, publishes)] = published(
        published_sample,
        """select max(p.published_at), (select max(published_at) from marts.meta_publish), count(*)
           from audit.publishes as p""",
    )
    assert latest_publish == meta_published_at  # the file records its own publish, not only the one before
    assert publishes >= 1


@pytest.mark.parametrize("month", ["2025-11-01"])
def test_the_two_rare_earth_totals_stand_apart_in_the_headlines(published_sample: Path, month: str) -> None:
    [row] = published(
        published_sample,
        """select all_rare_earth_tonnes, all_rare_earth_yoy_pct, rare_earths_headline_tonnes,
                  rare_earths_headline_mom_pct, rare_earths_headline_yoy_pct, headline
           from marts.monthly_headlines where month = ?""",
        [month],
    )
    all_tonnes, all_yoy, headline_tonnes, headline_mom, headline_yoy, sentence = row
    assert (round(all_tonnes), round(all_yoy, 1)) == (11759, 19.7)  # every rare-earth product, magnets included
    assert (round(headline_tonnes), round(headline_yoy, 1)) == (5494, 24.4)  # customs' "rare earths" line
    assert sentence.startswith("US-bound rare-earth magnet exports fell 11.3% month on month to 582 t, while all ")
    assert "magnets included" in sentence
    assert f'the customs "rare earths" line, metals and compounds, rose {headline_mom:.1f}%' in sentence
