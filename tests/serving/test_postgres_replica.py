"""The PostgreSQL replica as a BI tool meets it: psql as the read-only login, on a real cluster on loopback."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import duckdb
import psycopg
import pytest
from conftest import PUBLISHED_MARTS

from orchestration.serving.local_postgres import READER, Credentials, postgres_binary
from orchestration.serving.postgres import replicate_marts

pytestmark = pytest.mark.slow

NOVEMBER_US_MAGNETS = (
    "select tonnes, round(cast(mom_pct as numeric), 1) from marts.magnet_exports_monthly "
    "where month = date '2025-11-01' and partner_code = '502'"
)


def psql(url: str, *commands: str) -> subprocess.CompletedProcess[str]:
    """psql as a person runs it: each command in its own transaction."""
    return subprocess.run(
        [postgres_binary("psql"), url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        + [arg for command in commands for arg in ("-c", command)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_read_only_login_lists_the_marts_and_gets_what_duckdb_gets(
    replica: Credentials, published_sample: Path
) -> None:
    tables = psql(replica.reader_url, r"\dt marts.*")
    assert tables.returncode == 0, tables.stderr
    assert sorted(line.split("|")[1] for line in tables.stdout.splitlines()) == PUBLISHED_MARTS
    november = psql(replica.reader_url, NOVEMBER_US_MAGNETS)
    assert november.stdout.strip() == "582.0|-11.3"
    con = duckdb.connect(str(published_sample), read_only=True)
    try:
        [(tonnes, mom)] = con.execute(NOVEMBER_US_MAGNETS).fetchall()
    finally:
        con.close()
    assert f"{tonnes}|{mom}" == november.stdout.strip()


@pytest.mark.parametrize(
    "statement",
    [
        "insert into marts.dim_partner (partner_code) values ('999')",
        "delete from marts.dim_partner",
        "update marts.monthly_headlines set headline = 'x'",
        "drop table marts.monthly_headlines",
        "create table marts.mine (a int)",
        "create table public.mine (a int)",
        "create temporary table mine (a int)",
        "create schema mine",
        "truncate marts.fct_trade_monthly",
    ],
)
def test_the_read_only_login_can_change_nothing_even_outside_a_read_only_transaction(
    replica: Credentials, statement: str
) -> None:
    refused = psql(replica.reader_url, statement)
    assert refused.returncode != 0
    assert "read-only transaction" in refused.stderr
    # Turning read-only off leaves the privileges: it still may only SELECT on marts.
    privileges = psql(replica.reader_url, "set default_transaction_read_only = off", statement)
    assert privileges.returncode != 0
    assert "permission denied" in privileges.stderr or "must be owner" in privileges.stderr, privileges.stderr


def test_a_wrong_password_is_refused(replica: Credentials) -> None:
    wrong = replica.url(READER, replica.reader_password + "x")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10).close()


def test_types_are_postgres_types_and_the_published_comments_come_along(replica: Credentials) -> None:
    with psycopg.connect(replica.reader_url) as pg:
        types = dict(
            pg.execute(
                """select column_name, data_type from information_schema.columns
                   where table_schema = 'marts' and table_name = 'exports_by_group_monthly'"""
            ).fetchall()
        )
        [(table_doc, tonnes_doc)] = pg.execute(
            """select obj_description('marts.magnet_exports_monthly'::regclass),
                      col_description('marts.magnet_exports_monthly'::regclass, 5)"""
        ).fetchall()
        # The analysts' measures round in SQL as they are (PostgreSQL has no round(double precision, integer)).
        [(rounded,)] = pg.execute(
            "select round(mom_pct, 1) from marts.magnet_exports_monthly "
            "where month = '2025-11-01' and partner_code = '502'"
        ).fetchall()
    assert types["month"] == "date"
    assert types["tonnes"] == "numeric"
    assert types["mom_pct"] == "numeric"
    assert float(rounded) == -11.3
    assert types["partner_code"] == "text"
    assert types["rank_in_month"] in ("bigint", "integer")
    assert "magnet" in table_doc.lower()
    assert tonnes_doc.startswith("Metric tonnes = kilograms / 1000")


def test_a_bi_query_running_during_a_publish_ends_on_the_old_marts_and_the_next_sees_the_new(
    replica: Credentials, published_sample: Path, tmp_path: Path
) -> None:
    revised = tmp_path / "revised.duckdb"
    shutil.copyfile(published_sample, revised)
    con = duckdb.connect(str(revised))
    try:
        con.execute(
            """update marts.magnet_exports_monthly set tonnes = 600, mom_pct = -8.54
               where month = '2025-11-01' and partner_code = '502'"""
        )
    finally:
        con.close()

    seen: list[str] = []
    long_query = threading.Thread(
        target=lambda: seen.append(
            psql(
                replica.reader_url,
                "select tonnes from marts.magnet_exports_monthly, (select pg_sleep(8)) as slow_query "
                "where month = date '2025-11-01' and partner_code = '502'",
            ).stdout.strip()
        )
    )
    long_query.start()
    try:
        with psycopg.connect(replica.admin_url, autocommit=True) as admin:
            _wait_until_running(admin, "pg_sleep(8)")
        report = replicate_marts(revised, replica.admin_url, READER)
        assert long_query.is_alive()  # the publish did not wait for the BI query
        assert report.retired_left == 1  # the old marts stay until their last reader is done
        assert psql(replica.reader_url, NOVEMBER_US_MAGNETS).stdout.strip() == "600.0|-8.5"
    finally:
        long_query.join()
    assert seen == ["582.0"]  # the query that started before the publish saw the old marts
    assert replicate_marts(published_sample, replica.admin_url, READER).retired_left == 0
    with psycopg.connect(replica.admin_url) as admin:
        schemas = admin.execute("select nspname from pg_namespace where nspname like 'marts%' order by 1").fetchall()
    assert schemas == [("marts",)]


def _wait_until_running(admin: psycopg.Connection, fragment: str) -> None:
    for _ in range(200):
        rows = admin.execute(
            "select 1 from pg_stat_activity where state = 'active' and query like %s", [f"%{fragment}%"]
        ).fetchall()
        if rows:
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"no running query with {fragment}")
