"""The BI login of `rare-earth serve-bi` reads the marts and writes nothing, anywhere in the cluster.

Every refusal is tried on a real cluster after turning read-only off, so the privileges alone refuse it.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import reachable_temp_dir
from psycopg import sql

from orchestration.serving.local_postgres import (
    ADMIN,
    DATABASE,
    READER,
    READER_STATEMENT_TIMEOUT,
    Credentials,
    LocalPostgres,
    write_secret,
)

# Per database of the cluster: may the reader CONNECT, CREATE (schemas), TEMP (temporary tables)?
ONLY_CONNECT_TO_RARE_EARTH = [
    ("postgres", False, False, False),
    ("rare_earth", True, False, False),
    ("template0", False, False, False),
    ("template1", False, False, False),
]


def as_reader(credentials: Credentials, database: str = DATABASE) -> psycopg.Connection:
    return psycopg.connect(
        credentials.url(READER, credentials.reader_password, database), autocommit=True, connect_timeout=10
    )


def reader_privileges(credentials: Credentials) -> list[tuple[str, bool, bool, bool]]:
    with psycopg.connect(credentials.admin_url) as admin:
        return admin.execute(
            """select datname, has_database_privilege(%(role)s, datname, 'CONNECT'),
                      has_database_privilege(%(role)s, datname, 'CREATE'),
                      has_database_privilege(%(role)s, datname, 'TEMP')
               from pg_database order by 1""",
            {"role": READER},
        ).fetchall()


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[LocalPostgres]:
    """A cluster of this module's own, for what the shared one hides: its folder, and a restart."""
    root = reachable_temp_dir("rare-earth-bi-role-")
    local = LocalPostgres(root / "postgres")
    try:
        local.start()
        yield local
    finally:
        local.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("database", ["postgres", "template1"])
def test_the_reader_cannot_connect_to_another_database(cluster: Credentials, database: str) -> None:
    with pytest.raises(psycopg.OperationalError, match=f'permission denied for database "{database}"'):
        as_reader(cluster, database).close()


@pytest.mark.slow
def test_the_reader_may_connect_to_rare_earth_only_and_create_nothing_in_any_database(cluster: Credentials) -> None:
    assert reader_privileges(cluster) == ONLY_CONNECT_TO_RARE_EARTH


@pytest.mark.slow
def test_the_reader_sessions_are_read_only_with_a_statement_timeout(cluster: Credentials) -> None:
    with as_reader(cluster) as pg:
        assert pg.execute("show default_transaction_read_only").fetchall() == [("on",)]
        assert pg.execute("show statement_timeout").fetchall() == [(READER_STATEMENT_TIMEOUT,)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("create temporary table mine (a int)", id="create-temp-table"),
        pytest.param(
            "create function pg_temp.mine() returns int language sql as 'select 1'", id="create-temp-function"
        ),
        pytest.param("create table public.mine (a int)", id="create-table-in-public"),
        pytest.param("create table marts.mine (a int)", id="create-table-in-marts"),
        pytest.param("create schema mine", id="create-schema"),
        pytest.param("insert into marts.dim_partner (partner_code) values ('999')", id="insert"),
        pytest.param("update marts.monthly_headlines set headline = 'x'", id="update"),
        pytest.param("delete from marts.dim_partner", id="delete"),
        pytest.param("truncate marts.fct_trade_monthly", id="truncate"),
        pytest.param("drop table marts.monthly_headlines", id="drop-table"),
        pytest.param("create function public.mine() returns int language sql as 'select 1'", id="create-function"),
        pytest.param("copy marts.dim_partner from program 'true'", id="copy-from-program"),
        pytest.param("copy marts.dim_partner to '/tmp/bi_reader_was_here.csv'", id="copy-to-file"),
        pytest.param("select lo_create(0)", id="create-large-object"),
        pytest.param("select lo_from_bytea(0, 'mine')", id="create-large-object-from-bytea"),
        pytest.param("alter role bi_reader createdb", id="alter-own-role-attributes"),
        pytest.param(f"alter role {ADMIN} password 'mine'", id="alter-admin-role"),
        pytest.param("create role mine", id="create-role"),
        pytest.param("create database mine", id="create-database"),
        pytest.param("create publication mine for all tables", id="create-publication"),
    ],
)
def test_the_reader_is_refused_even_with_read_only_turned_off(replica: Credentials, statement: str) -> None:
    with as_reader(replica) as pg:
        # Every statement below runs in a read-write transaction of its own: only privileges stand in the way.
        pg.execute("set session characteristics as transaction read write")
        assert pg.execute("show transaction_read_only").fetchall() == [("off",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            pg.execute(statement)


@pytest.mark.slow
def test_credentials_are_readable_by_their_owner_only_and_the_admin_password_file_is_gone(
    own_cluster: LocalPostgres,
) -> None:
    assert stat.S_IMODE(own_cluster.credentials_file.stat().st_mode) == 0o600
    assert sorted(path.name for path in own_cluster.root.iterdir()) == ["credentials.json", "data", "postgres.log"]


@pytest.mark.slow
def test_start_hardens_a_cluster_left_open_by_an_older_version(own_cluster: LocalPostgres) -> None:
    credentials = own_cluster.credentials()
    assert credentials is not None
    reader = sql.Identifier(READER)
    with psycopg.connect(credentials.url(ADMIN, credentials.admin_password, "postgres"), autocommit=True) as admin:
        # PostgreSQL's defaults, which the older version left in place outside rare_earth.
        admin.execute("grant connect, temporary on database postgres, template1 to public")
        admin.execute("grant create on schema public to public")
        admin.execute("grant execute on function lo_create(oid) to public")
        admin.execute(sql.SQL("alter role {} createdb").format(reader))
        admin.execute(sql.SQL("alter role {} reset statement_timeout").format(reader))
    assert reader_privileges(credentials) != ONLY_CONNECT_TO_RARE_EARTH

    assert own_cluster.start() == credentials
    assert reader_privileges(credentials) == ONLY_CONNECT_TO_RARE_EARTH
    with psycopg.connect(credentials.url(ADMIN, credentials.admin_password, "postgres")) as admin:
        [(may_create_in_public, may_create_lo, createdb)] = admin.execute(
            """select has_schema_privilege(%(role)s, 'public', 'CREATE'),
                      has_function_privilege(%(role)s, 'lo_create(oid)', 'EXECUTE'),
                      (select rolcreatedb from pg_roles where rolname = %(role)s)""",
            {"role": READER},
        ).fetchall()
    assert (may_create_in_public, may_create_lo, createdb) == (False, False, False)
    with as_reader(credentials) as pg:
        assert pg.execute("show statement_timeout").fetchall() == [(READER_STATEMENT_TIMEOUT,)]


def test_a_secret_is_owner_only_from_its_first_byte_whatever_the_umask(tmp_path: Path) -> None:
    secret = tmp_path / "credentials.json"
    secret.write_text("old")
    secret.chmod(0o644)
    permissive = os.umask(0)
    try:
        write_secret(secret, '{"password": "new"}')
    finally:
        os.umask(permissive)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_text() == '{"password": "new"}'
    assert [path.name for path in tmp_path.iterdir()] == ["credentials.json"]


def test_a_secret_that_fails_half_way_leaves_nothing_behind(tmp_path: Path) -> None:
    # A write-then-chmod would leave this file behind, with the umask's mode and part of the secret.
    with pytest.raises(UnicodeEncodeError):
        write_secret(tmp_path / "credentials.json", "half a secret, then \udc80")
    assert list(tmp_path.iterdir()) == []
