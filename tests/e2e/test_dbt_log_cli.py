"""dbt's own log on the terminal: kept out of `rare-earth load`, shown with `--verbose`, and shown anyway
when the dbt build failed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ZH_HEADER, WriteCsv

from orchestration.warehouse import REPO_ROOT, Warehouse

pytestmark = pytest.mark.slow

DBT_LINE = re.compile(r"^ *(\d\d:\d\d:\d\d )?\d+ of \d+ (START|PASS|OK)", re.M)


def load(warehouse: Warehouse, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "WAREHOUSE_DIR": str(warehouse.root), **env}
    environment.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [str(Path(sys.executable).with_name("rare-earth")), "load", *args],
        env=environment,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_failed_dbt_build_shows_its_log_and_verbose_shows_it_as_it_comes(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    write_csv(
        "exports/gacc_exports_2025-11.csv",
        ZH_HEADER,
        [["202511", "85051110", "稀土永磁", "502", "美国", "5", "千克", "1"]],
    )
    # dbt reads its target from DBT_TARGET: one the profile lacks makes the build fail, after the ingest.
    failed = load(warehouse, DBT_TARGET="no_such_target")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stdout + failed.stderr
    assert "the dbt build failed; its log:" in failed.stderr
    assert "Running with dbt=" in failed.stderr
    assert "The profile 'rare_earth' does not have a target named 'no_such_target'" in failed.stderr
    assert re.search(r"^step \S*dbt\S* failed: dbt build failed for 2025-11..2025-11", failed.stderr, re.M)

    # The next load builds the month again; with --verbose dbt's log comes live, among the progress lines.
    verbose = load(warehouse, "--verbose")
    assert verbose.returncode == 0, verbose.stderr
    assert "Running with dbt=" in verbose.stderr
    assert DBT_LINE.search(verbose.stderr)
    assert "the dbt build failed" not in verbose.stderr

    # Without it, a load that builds shows none of it.
    write_csv(
        "exports/gacc_exports_2025-12.csv",
        ZH_HEADER,
        [["202512", "85051110", "稀土永磁", "502", "美国", "6", "千克", "1"]],
    )
    quiet = load(warehouse)
    assert quiet.returncode == 0, quiet.stderr
    assert "Running with dbt=" not in quiet.stdout + quiet.stderr
    assert not DBT_LINE.search(quiet.stdout + quiet.stderr)
    assert re.search(r"^\d\d:\d\d:\d\d dbt build of the staging, intermediate and marts models", quiet.stderr, re.M)


def test_dbt_parses_only_what_changed_from_one_load_to_the_next(warehouse: Warehouse, write_csv: WriteCsv) -> None:
    """The run's months reach dbt through a table, not --vars, and each warehouse keeps dbt's target folder: the
    second load's dbt does not parse the whole project again."""
    row = ["85051110", "稀土永磁", "502", "美国", "582,000", "千克", "1"]
    write_csv("exports/gacc_exports_2025-10.csv", ZH_HEADER, [["202510", *row]])
    assert load(warehouse, "--verbose").returncode == 0
    write_csv("exports/gacc_exports_2025-11.csv", ZH_HEADER, [["202511", *row]])
    second = load(warehouse, "--verbose")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Running with dbt" in second.stderr
    assert "Unable to do partial parsing" not in second.stderr + second.stdout
    # dbt's unit tests test the SQL, not the data: `make test` runs them, a load does not.
    assert "unit_test" not in second.stderr and "unit tests" not in second.stderr.split("Finished running")[-1]


def test_ctrl_c_during_the_dbt_build_stops_the_load_as_an_interrupt_and_the_next_load_finishes(
    warehouse: Warehouse, write_csv: WriteCsv
) -> None:
    """dbt runs in the load's own process: Ctrl-C there stops the load with the interrupt message, not a dbt
    failure with dbt's traceback, publishes nothing half-built, and the next load builds the month."""
    write_csv(
        "exports/gacc_exports_2025-11.csv",
        ZH_HEADER,
        [["202511", "85051110", "稀土永磁", "502", "美国", "5", "千克", "1"]],
    )
    environment = {**os.environ, "WAREHOUSE_DIR": str(warehouse.root)}
    environment.pop("DAGSTER_HOME", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("rare-earth")), "load"],
        env=environment,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:  # the progress line comes as the dbt step starts
        seen.append(line)
        if "dbt build of the staging" in line:
            process.send_signal(signal.SIGINT)  # what Ctrl-C sends
            break
    stdout, rest = process.communicate(timeout=600)
    stderr = "".join(seen) + rest
    assert process.returncode == 130, stderr
    assert "interrupted: nothing half-done is published; the next load takes up what is left" in stderr
    assert "Traceback" not in stdout + stderr
    assert "the dbt build failed" not in stderr
    assert not warehouse.published_db.exists()

    finished = load(warehouse)
    assert finished.returncode == 0, finished.stderr
    assert warehouse.published_db.exists()
