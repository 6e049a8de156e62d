"""SIGKILL at moments spread over a whole `rare-earth load`, the publish step included, while readers poll the
published file: they see a whole published set, never a mix or an error, and every next load recovers."""

from __future__ import annotations

from pathlib import Path

import pytest
from faults.harness import build_chain, copy_sample_months, is_whole, load, moments, published_hashes, published_marts
from faults.harness import start_and_kill as kill_a_load_at
from readers import CliReader, PythonReader, assert_only_published_states


@pytest.mark.slow
def test_a_load_killed_at_any_moment_leaves_a_whole_published_set_and_the_next_load_recovers(tmp_path: Path) -> None:
    chain = build_chain(tmp_path, loads=10)
    warehouse = chain.warehouse
    database = warehouse / "rare_earth.duckdb"
    python_reader = PythonReader(database)
    python_reader.start()
    cli_reader = CliReader(database, tmp_path)
    outcomes: list[tuple[str, str, str]] = []
    try:
        # Each load brings a new month and is killed at a later moment of its run; the load after it must
        # first recover what the kill left (the dead run's pool slot, an unfinished build or publish).
        for month, moment in zip(chain.months, moments(10, chain.output_lines, seed=12), strict=True):
            copy_sample_months((month,), warehouse / "landing", chain.sample)
            before = published_hashes(warehouse)
            what = kill_a_load_at(warehouse, moment)
            state = "before" if published_hashes(warehouse) == before else "whole" if is_whole(warehouse) else "TORN"
            outcomes.append((str(moment), what, state))
        final = load(warehouse)
    finally:
        python_reader.halt.set()
        python_reader.join()
        cli_reader.stop()
    assert [o for o in outcomes if o[1].startswith("stuck") or o[2] == "TORN"] == [], outcomes
    assert sum(what.startswith("killed") for _, what, _ in outcomes) >= 9, outcomes
    assert final.returncode == 0, final.stdout + final.stderr
    assert published_marts(warehouse) == chain.final  # exactly what one uninterrupted load gives
    assert_only_published_states(python_reader, cli_reader, last=(12, 12))
    assert not [p for p in (warehouse / "published").iterdir() if p.name.startswith(".")]
