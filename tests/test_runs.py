"""Runs whose process is gone are found, marked failed and give back their pool slots; live ones are left."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.runs import PID_TAG, live_runs, process_is_gone, process_tags, recover_dead_runs

POOL = "duckdb_writer"


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.local_temp(
        str(tmp_path), overrides={"concurrency": {"pools": {"default_limit": 1}}}
    ) as instance:
        instance.event_log_storage.set_concurrency_slots(POOL, 1)
        yield instance


def _dead_pid() -> int:
    """The pid of a process that has ended (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    run = instance.add_run(DagsterRun(job_name="monthly_load", status=dg.DagsterRunStatus.STARTED, tags=tags))
    claim = instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, "raw__customs_lines")
    assert claim.is_claimed
    return run.run_id


def test_a_run_whose_process_was_killed_is_marked_failed_and_frees_its_pool_slot(instance: dg.DagsterInstance) -> None:
    dead = _started_run(instance, process_tags(_dead_pid()))
    blocked = instance.event_log_storage.claim_concurrency_slot(POOL, "next-run", "raw__customs_lines")
    assert not blocked.is_claimed  # what made the next load wait for ever

    recovered = recover_dead_runs(instance)

    assert [r.run_id for r in recovered] == [dead]
    assert "had no process left; marked failed and its pool slots freed" in recovered[0].recovered()
    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    assert instance.event_log_storage.claim_concurrency_slot(POOL, "next-run", "raw__customs_lines").is_claimed
    assert recover_dead_runs(instance) == []  # once is enough


def test_a_run_whose_process_lives_is_left_alone_and_named(instance: dg.DagsterInstance) -> None:
    alive = _started_run(instance, process_tags())
    assert recover_dead_runs(instance) == []
    assert instance.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED
    [running] = live_runs(instance)
    assert running.run_id == alive
    assert running.running().startswith(f"another load is running (pid {process_tags()[PID_TAG]}")
    assert live_runs(instance, current_run_id=alive) == []


def test_a_reused_pid_is_not_taken_for_the_run_process(instance: dg.DagsterInstance) -> None:
    tags = {**process_tags(), "rare_earth/process_start": "1"}  # this pid, but a process started at another time
    assert process_is_gone(tags)
    assert not process_is_gone({})  # a run that names no process (another launcher's) is not judged


def test_slots_a_finished_run_kept_are_given_back(instance: dg.DagsterInstance) -> None:
    run = instance.add_run(DagsterRun(job_name="monthly_load", status=dg.DagsterRunStatus.FAILURE))
    assert instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, "publish").is_claimed
    recover_dead_runs(instance)
    assert instance.event_log_storage.claim_concurrency_slot(POOL, "next-run", "publish").is_claimed


def test_a_run_from_before_process_tags_is_judged_by_the_pid_dagster_logged(instance: dg.DagsterInstance) -> None:
    from dagster._core.events import EngineEventData

    run = instance.add_run(DagsterRun(job_name="monthly_load", status=dg.DagsterRunStatus.STARTED))
    pid = _dead_pid()
    # What Dagster's in-process executor writes at the start of every run, tags or not.
    instance.report_engine_event(f"Executing steps in process (pid: {pid})", run, EngineEventData.in_process(pid))
    [recovered] = recover_dead_runs(instance)
    assert recovered.run_id == run.run_id
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
