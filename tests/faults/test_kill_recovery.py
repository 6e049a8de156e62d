"""SIGKILL at moments spread over a whole `rare-earth load`, the publish step included: readers see the
published set before or after, never a mix, and the next load recovers without a person."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from faults.harness import build_base, load, moments, start_and_kill, state_of


@pytest.mark.slow
def test_a_load_killed_at_any_moment_leaves_before_or_after_and_the_next_load_recovers(tmp_path: Path) -> None:
    base = build_base(tmp_path)
    warehouse = base.warehouse
    shutil.copytree(base.new_files, warehouse / "landing", dirs_exist_ok=True)
    # Each kill's next load is the following trial's load: it must get going again (recover the dead run's
    # pool slot, finish or clean up the interrupted publish) and reach the next moment, later in the run.
    outcomes = []
    for moment in moments(10, base.output_lines, seed=12):
        what = start_and_kill(warehouse, moment)
        outcomes.append((str(moment), what, state_of(warehouse, base.before, base.after)))
    assert [o for o in outcomes if o[1].startswith("stuck") or o[2] not in ("before", "after")] == [], outcomes
    final = load(warehouse)
    assert final.returncode == 0, final.stdout + final.stderr
    assert state_of(warehouse, base.before, base.after) == "after"
    assert sum(what.startswith("killed") for _, what, _ in outcomes) >= 8, outcomes
    assert not list((warehouse / "published").glob(".*")), "an interrupted publish left files behind"
