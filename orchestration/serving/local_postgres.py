"""A local PostgreSQL cluster on 127.0.0.1 for BI tools, run with the server binaries on the machine.

`initdb` and `postgres` refuse to run as root; as root they run as the `postgres` system user, which
must own the cluster folder and be able to reach it.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

DATABASE = "rare_earth"
ADMIN = "rare_earth_admin"
READER = "bi_reader"
SERVER_USER = "postgres"
READER_STATEMENT_TIMEOUT = "5min"  # a runaway BI query is cancelled, not left to hold the old marts forever


class LocalPostgresError(RuntimeError):
    pass


@dataclass(frozen=True)
class Credentials:
    port: int
    admin_password: str
    reader_password: str

    def url(self, user: str, password: str, database: str = DATABASE) -> str:
        return f"postgresql://{user}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        return self.url(ADMIN, self.admin_password)

    @property
    def reader_url(self) -> str:
        return self.url(READER, self.reader_password)


def postgres_binary(name: str) -> str:
    """A PostgreSQL program: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise LocalPostgresError(
            f"`{name}` not found: install the PostgreSQL server binaries (Debian: postgresql) or put them on PATH"
        )
    return found


def write_secret(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only from the first byte on.

    mkstemp creates the file 0600 whatever the umask; it gets its name only once complete, so no one ever
    reads a half-written or briefly world-readable secret.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LocalPostgres:
    root: Path  # e.g. $WAREHOUSE_DIR/postgres

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def credentials_file(self) -> Path:
        return self.root / "credentials.json"

    def _as_server_user(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", SERVER_USER, "--", *args] if os.geteuid() == 0 else args

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._as_server_user(args), capture_output=True, text=True, timeout=120)

    def credentials(self) -> Credentials | None:
        if not self.credentials_file.exists():
            return None
        return Credentials(**json.loads(self.credentials_file.read_text(encoding="utf-8")))

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._run([postgres_binary("pg_ctl"), "status", "-D", str(self.data_dir)]).returncode == 0

    def start(self) -> Credentials:
        """Create the cluster on first use, start it, and make sure the database and roles exist."""
        credentials = self.credentials() or self._init()
        if not self.is_running():
            options = f"-p {credentials.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
            pg_ctl = postgres_binary("pg_ctl")
            started = self._run(
                [pg_ctl, "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options]
            )
            if started.returncode != 0:
                log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
                raise LocalPostgresError(f"PostgreSQL did not start:\n{started.stdout}{started.stderr}{log}")
        self._ensure_roles(credentials)
        return credentials

    def stop(self) -> bool:
        """Stop the cluster; False when it was not running."""
        if not self.is_running():
            return False
        stopped = self._run([postgres_binary("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data_dir)])
        if stopped.returncode != 0:
            raise LocalPostgresError(f"PostgreSQL did not stop:\n{stopped.stdout}{stopped.stderr}")
        return True

    def _init(self) -> Credentials:
        self.root.mkdir(parents=True, exist_ok=True)
        credentials = Credentials(_free_port(), secrets.token_urlsafe(18), secrets.token_urlsafe(18))
        password_file = self.root / ".admin_password"
        write_secret(password_file, credentials.admin_password + "\n")
        if os.geteuid() == 0:
            server = pwd.getpwnam(SERVER_USER)
            for path in (self.root, password_file):
                os.chown(path, server.pw_uid, server.pw_gid)
        try:
            created = self._run(
                [postgres_binary("initdb"), "-D", str(self.data_dir), "-U", ADMIN, "-A", "scram-sha-256",
                 f"--pwfile={password_file}", "-E", "UTF8", "--locale=C"]
            )  # fmt: skip
        finally:
            password_file.unlink(missing_ok=True)
        if created.returncode != 0:
            raise LocalPostgresError(
                f"initdb failed in {self.data_dir}:\n{created.stdout}{created.stderr}"
                + (f"\n(the `{SERVER_USER}` user must be able to reach {self.root})" if os.geteuid() == 0 else "")
            )
        write_secret(self.credentials_file, json.dumps(credentials.__dict__))
        return credentials

    def _ensure_roles(self, credentials: Credentials) -> None:
        """The database, and a login that can read `marts` and write nothing anywhere, not even temp tables.

        Run on every start, so a cluster made by an older version is brought up to date too.
        """
        reader = sql.Identifier(READER)

        def as_admin(database: str) -> psycopg.Connection:
            return psycopg.connect(credentials.url(ADMIN, credentials.admin_password, database), autocommit=True)

        with as_admin("postgres") as pg:
            if not pg.execute("select 1 from pg_database where datname = %s", [DATABASE]).fetchall():
                pg.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))
            if not pg.execute("select 1 from pg_roles where rolname = %s", [READER]).fetchall():
                pg.execute(sql.SQL("create role {}").format(reader))
            pg.execute(
                sql.SQL(
                    "alter role {} login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password {}"
                ).format(reader, sql.Literal(credentials.reader_password))
            )
            # Defaults for its sessions, which it may change with SET: the privileges below are the fence.
            pg.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(reader))
            timeout = sql.Literal(READER_STATEMENT_TIMEOUT)
            pg.execute(sql.SQL("alter role {} set statement_timeout = {}").format(reader, timeout))
            # PostgreSQL lets PUBLIC connect to every database and create temp tables in it; here only the
            # reader may connect, and only to DATABASE. One transaction: it never loses CONNECT on the way.
            databases = pg.execute("select datname, datallowconn from pg_database").fetchall()
            with pg.transaction():
                for name, _ in databases:
                    revoke = sql.SQL("revoke all on database {} from public, {}")
                    pg.execute(revoke.format(sql.Identifier(name), reader))
                pg.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(DATABASE), reader))
        for name, allows_connections in databases:
            if allows_connections:  # template0 takes no connections, nor logins into it
                with as_admin(name) as db:
                    db.execute("revoke all on schema public from public")
                    # Creating a large object takes no privilege but EXECUTE on these functions.
                    db.execute(
                        "revoke execute on function lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea) "
                        "from public"
                    )


@dataclass(frozen=True)
class ReplicaTarget:
    conninfo: str
    reader_role: str | None
    label: str  # where the replica is, without the password


def replica_target(postgres_dir: Path) -> ReplicaTarget | None:
    """Where the marts are replicated: $RARE_EARTH_POSTGRES_URL (with $RARE_EARTH_POSTGRES_READER, the role
    granted SELECT), else the local cluster of `rare-earth serve-bi` while it runs, else nowhere."""
    url = os.environ.get("RARE_EARTH_POSTGRES_URL")
    if url:
        info = psycopg.conninfo.conninfo_to_dict(url)
        label = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
        return ReplicaTarget(url, os.environ.get("RARE_EARTH_POSTGRES_READER"), label)
    cluster = LocalPostgres(postgres_dir)
    credentials = cluster.credentials()
    if credentials is None or not cluster.is_running():
        return None
    label = f"127.0.0.1:{credentials.port}/{DATABASE} (rare-earth serve-bi)"
    return ReplicaTarget(credentials.admin_url, READER, label)
