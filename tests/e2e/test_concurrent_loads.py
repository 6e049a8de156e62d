"""Two loads at once and readers polling the published file: one writer at a time, readers never see an error
or a state that was not published."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from conftest import rare_earth
from faults.harness import copy_sample_months

from orchestration.sample import write_sample_files

# How many export months the published marts hold, and how many meta_publish says: equal in every published state.
CONSISTENCY = (
    "select (select count(distinct month) from marts.fct_trade_monthly where flow = 'export'), "
    "(select months from marts.meta_publish where flow = 'export')"
)
POLL_S = 0.05


def _start_load(warehouse: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse)}
    env.pop("DAGSTER_HOME", None)
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("rare-earth")), "load", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class PythonReader(threading.Thread):
    """Opens the published file read-only every 50 ms, as an analyst's notebook would."""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.seen: list[tuple[int, int]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(POLL_S):
            try:
                con = duckdb.connect(str(self.database), read_only=True)
                try:
                    self.seen.append(con.execute(CONSISTENCY).fetchone())  # type: ignore[arg-type]
                finally:
                    con.close()
            except Exception as err:
                self.errors.append(f"{type(err).__name__}: {err}")


def _cli_reader(database: Path, stop_file: Path) -> subprocess.Popen[str]:
    """The DuckDB 1.5 command line (`duckdb -readonly`), run every 50 ms until `stop_file` appears."""
    duckdb_cli = Path(sys.executable).with_name("duckdb")
    script = (
        f'while [ ! -e "{stop_file}" ]; do "{duckdb_cli}" -readonly "{database}" -csv -noheader -c "{CONSISTENCY}" '
        f"|| echo ERROR; sleep {POLL_S}; done"
    )
    return subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_a_second_load_is_refused_at_once_or_waits_and_readers_see_only_published_states(tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    write_sample_files(sample)
    warehouse = tmp_path / "warehouse"
    copy_sample_months(("2025-07",), warehouse / "landing", sample)
    assert rare_earth(warehouse, "load").returncode == 0
    database = warehouse / "rare_earth.duckdb"
    python_reader = PythonReader(database)
    python_reader.start()
    cli_reader = _cli_reader(database, tmp_path / "stop")
    try:
        # Load 1, and a second load while it runs: refused at once, naming the running one.
        copy_sample_months(("2025-08",), warehouse / "landing", sample)
        first = _start_load(warehouse)
        assert first.stdout is not None and first.stdout.readline().startswith("loading 2025-08")
        second = rare_earth(warehouse, "load", timeout=60)
        assert second.returncode == 3
        assert f"another load is running (pid {first.pid}, started " in second.stderr
        assert "Traceback" not in second.stderr
        # Load 2, and one that waits for it (load 3, of the month dropped meanwhile).
        assert first.wait(timeout=600) == 0, first.stderr.read()  # type: ignore[union-attr]
        copy_sample_months(("2025-09",), warehouse / "landing", sample)
        running = _start_load(warehouse)
        assert running.stdout is not None and running.stdout.readline().startswith("loading 2025-09")
        copy_sample_months(("2025-10",), warehouse / "landing", sample)
        waiting = _start_load(warehouse, "--wait")
        assert running.wait(timeout=600) == 0, running.stderr.read()  # type: ignore[union-attr]
        waited, waited_errors = waiting.communicate(timeout=600)
        assert waiting.returncode == 0, waited_errors
        assert "waiting for another load to finish (pid" in waited_errors
        assert "loading 2025-10 .. 2025-10" in waited
        # Loads 4 and 5.
        for month in ("2025-11", "2025-12"):
            copy_sample_months((month,), warehouse / "landing", sample)
            load = rare_earth(warehouse, "load")
            assert load.returncode == 0, load.stderr
    finally:
        python_reader.stop.set()
        python_reader.join()
        (tmp_path / "stop").touch()
        cli_output, _ = cli_reader.communicate(timeout=60)
    cli_seen = [tuple(int(v) for v in line.split(",")) for line in cli_output.splitlines() if line != "ERROR"]
    assert python_reader.errors == []
    assert "ERROR" not in cli_output.splitlines(), cli_output[-2000:]
    for seen in (python_reader.seen, cli_seen):
        assert len(seen) > 20
        assert all(months == published for months, published in seen)  # never a state between two publishes
        assert [m for m, _ in seen] == sorted(m for m, _ in seen)  # and never back to an older one
        assert seen[-1] == (6, 6)
