"""Two loads at once, with readers polling the published file: one writer at a time, readers never see an error
or a state that was not published (the crash trials poll through ten more loads)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import rare_earth
from faults.harness import copy_sample_months, start_load
from readers import CliReader, PythonReader, assert_only_published_states

from orchestration.sample import write_sample_files


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
    cli_reader = CliReader(database, tmp_path)
    try:
        # Load 1, and a second load while it runs: refused at once, naming the running one.
        copy_sample_months(("2025-08",), warehouse / "landing", sample)
        first = start_load(warehouse)
        assert first.stdout is not None and first.stdout.readline().startswith("loading 2025-08")
        second = rare_earth(warehouse, "load", timeout=60)
        assert second.returncode == 3
        assert f"another load is running (pid {first.pid}, started " in second.stderr
        assert "Traceback" not in second.stderr
        # Load 2, and one that waits for it (load 3, of the month dropped meanwhile).
        assert first.wait(timeout=600) == 0, first.stderr.read()  # type: ignore[union-attr]
        copy_sample_months(("2025-09",), warehouse / "landing", sample)
        running = start_load(warehouse)
        assert running.stdout is not None and running.stdout.readline().startswith("loading 2025-09")
        copy_sample_months(("2025-10",), warehouse / "landing", sample)
        waiting = start_load(warehouse, "--wait")
        assert running.wait(timeout=600) == 0, running.stderr.read()  # type: ignore[union-attr]
        waited, waited_errors = waiting.communicate(timeout=600)
        assert waiting.returncode == 0, waited_errors
        assert "waiting for another load to finish (pid" in waited_errors
        assert "loading 2025-10 .. 2025-10" in waited
    finally:
        python_reader.halt.set()
        python_reader.join()
        cli_reader.stop()
    assert_only_published_states(python_reader, cli_reader, last=(4, 4))
