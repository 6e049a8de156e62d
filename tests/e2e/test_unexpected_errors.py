"""An error nobody planned for still reaches the terminal as one sentence, with the traceback kept in a file."""

from __future__ import annotations

from pathlib import Path

from conftest import rare_earth


def test_an_unexpected_error_prints_one_line_and_keeps_the_traceback_in_the_warehouse_logs(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    (warehouse / "build" / "rare_earth_build.duckdb").mkdir(parents=True)  # a folder where the database belongs
    (warehouse / "landing" / "exports").mkdir(parents=True)
    load = rare_earth(warehouse, "load", timeout=120)
    assert load.returncode == 1
    assert "Traceback" not in load.stdout + load.stderr
    [message, where] = load.stderr.strip().splitlines()[-2:]
    assert message.startswith("rare-earth load: unexpected error: ")
    [log] = (warehouse / "logs").glob("rare-earth-*.log")
    assert where == f"the traceback is in {log}"
    assert log.read_text(encoding="utf-8").startswith("Traceback (most recent call last):")
