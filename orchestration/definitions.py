"""The Dagster code location (`dg dev`, `dg check defs`): every object found in the `defs/` folder.

Each file under `defs/` registers its own assets, checks, jobs, sensors, schedules or resources; the
house rules that hold for every asset are applied here, once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from orchestration.short_process import collect_rarely
from orchestration.worker_process import start_worker_process_in_a_run_worker

# Every process that loads the code location (a run worker, the code server, `dg check defs`) first
# imports Dagster, dbt and GX: rarer collections halve that (set before the imports below).
collect_rarely()
start_worker_process_in_a_run_worker()  # also before the imports: it imports GX while this process imports Dagster

import dagster as dg  # noqa: E402

from orchestration.defs.house_rules import apply_house_rules  # noqa: E402


@cache
def load_definitions() -> dg.Definitions:
    """The code location's definitions, loaded once per process (the CLI and tests call this too)."""
    return apply_house_rules(dg.load_from_defs_folder(path_within_project=Path(__file__).parent))


@dg.definitions
def defs() -> dg.Definitions:
    return load_definitions()
