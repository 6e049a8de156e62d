"""Where everything lives inside the warehouse folder (`--warehouse DIR`, `$WAREHOUSE_DIR`, or ./warehouse)."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestration.progress import logger as progress

REPO_ROOT = Path(__file__).resolve().parent.parent
# The Dagster instance every warehouse's DAGSTER_HOME gets (one run at a time, run monitoring); not at the
# repository's top, where `dg dev` would find it and warn that DAGSTER_HOME overrides it.
INSTANCE_CONFIG = Path(__file__).resolve().parent / "dagster.yaml"


class LoadRunning(RuntimeError):
    """Another `rare-earth load` holds the warehouse; the message names its process."""


@dataclass(frozen=True)
class Warehouse:
    root: Path

    @classmethod
    def from_env(cls, override: str | os.PathLike[str] | None = None) -> Warehouse:
        return cls(Path(override or os.environ.get("WAREHOUSE_DIR") or "warehouse").resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def build_db(self) -> Path:
        """The one database the pipeline writes; nobody else opens it."""
        return self.build_dir / "rare_earth_build.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder for this warehouse's builds: its partial-parse state belongs to this profile."""
        return self.build_dir / "dbt_target"

    @property
    def lake_dir(self) -> Path:
        """The raw layer and audit trail as Parquet (hive layout), for engines other than DuckDB (loading/lake.py)."""
        return self.root / "lake"

    @property
    def spark_dir(self) -> Path:
        """Everything dbt's `spark` target writes: tables, the Derby metastore, scratch (dbt_project/profiles.yml)."""
        return self.root / "spark"

    @property
    def published_db(self) -> Path:
        """What analysts and BI tools open, read-only; a link that each publish switches to a new file."""
        return self.root / "rare_earth.duckdb"

    @property
    def exports_dir(self) -> Path:
        """Every mart as Parquet; like `published_db`, a link into the current published generation."""
        return self.root / "exports"

    @property
    def generations_dir(self) -> Path:
        """Each publish's DuckDB file and Parquet exports, in a folder of their own (see serving/publish.py)."""
        return self.root / "published"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def postgres_dir(self) -> Path:
        """The local PostgreSQL cluster that `rare-earth serve-bi` runs for BI tools."""
        return self.root / "postgres"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.root / "dagster_home")

    def ensure(self) -> Warehouse:
        for folder in (self.landing, self.build_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    @contextmanager
    def writer_lock(self, timeout_s: float = 600.0) -> Iterator[None]:
        """Serialise writers across processes (CLI, Dagster runs): DuckDB allows one read-write process.

        The lock waits instead of failing so that a sensor-triggered run and a CLI load queue up.
        """
        self.build_dir.mkdir(parents=True, exist_ok=True)
        with (self.build_dir / ".writer.lock").open("w") as handle:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"another load has held {self.build_dir / '.writer.lock'} for {timeout_s:.0f} s"
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def load_lock(self, wait: bool = False) -> Iterator[None]:
        """One load at a time per warehouse, held for the whole load; the kernel releases it when the
        process ends, however it ends, so a killed load never leaves it behind.

        Without `wait`, raises LoadRunning naming the holder (pid and start time, which it writes into
        the lock file) at once.
        """
        self.build_dir.mkdir(parents=True, exist_ok=True)
        with (self.build_dir / ".load.lock").open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                try:
                    holder = json.loads(handle.read())
                    who = f"pid {holder['pid']}, started {holder['started']}"
                except (ValueError, KeyError):
                    who = "pid unknown"
                if not wait:
                    raise LoadRunning(
                        f"another load is running ({who}); wait for it with `rare-earth load --wait`"
                    ) from None
                progress.info(f"waiting for another load to finish ({who})")
                fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            handle.truncate()
            started = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
            handle.write(json.dumps({"pid": os.getpid(), "started": started}))
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)
