"""Where everything lives inside the warehouse folder (`--warehouse DIR`, `$WAREHOUSE_DIR`, or ./warehouse)."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


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
    def published_db(self) -> Path:
        """What analysts and BI tools open, read-only; replaced whole by each publish."""
        return self.root / "rare_earth.duckdb"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

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
