"""Readers of the published warehouse that poll it every 50 ms while loads run, as analysts and BI tools do."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb

# How many export months the published marts hold, and how many meta_publish says: equal in every published state.
CONSISTENCY = (
    "select (select count(distinct month) from marts.fct_trade_monthly where flow = 'export'), "
    "(select months from marts.meta_publish where flow = 'export')"
)
POLL_S = 0.05


class PythonReader(threading.Thread):
    """Opens the published file read-only every 50 ms with Python's duckdb, as an analyst's notebook would."""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.seen: list[tuple[int, int]] = []
        self.errors: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(POLL_S):
            try:
                con = duckdb.connect(str(self.database), read_only=True)
                try:
                    self.seen.append(con.execute(CONSISTENCY).fetchone())  # type: ignore[arg-type]
                finally:
                    con.close()
            except Exception as err:
                self.errors.append(f"{type(err).__name__}: {err}")


class CliReader:
    """The DuckDB 1.5 command line (`duckdb -readonly`) on the published file, every 50 ms."""

    def __init__(self, database: Path, folder: Path) -> None:
        self.stop_file = folder / "stop-cli-reader"
        duckdb_cli = Path(sys.executable).with_name("duckdb")
        script = (
            f'while [ ! -e "{self.stop_file}" ]; do "{duckdb_cli}" -readonly "{database}" -csv -noheader '
            f'-c "{CONSISTENCY}" || echo ERROR; sleep {POLL_S}; done'
        )
        self.process = subprocess.Popen(
            ["bash", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.output = ""

    def stop(self) -> None:
        self.stop_file.touch()
        self.output, _ = self.process.communicate(timeout=60)

    @property
    def seen(self) -> list[tuple[int, ...]]:
        return [tuple(int(v) for v in line.split(",")) for line in self.output.splitlines() if line != "ERROR"]

    @property
    def errors(self) -> list[str]:
        return [line for line in self.output.splitlines() if not line.replace(",", "").isdigit()]


def assert_only_published_states(*readers: PythonReader | CliReader, last: tuple[int, int]) -> None:
    """No reader saw an error, a state between two publishes, or an older state after a newer one."""
    for reader in readers:
        assert reader.errors == [], reader.errors[:5]
        seen = reader.seen
        assert len(seen) > 20
        assert all(months == published for months, published in seen)
        assert [m for m, _ in seen] == sorted(m for m, _ in seen)
        assert seen[-1] == last
