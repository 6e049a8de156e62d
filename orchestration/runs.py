"""Runs of a warehouse's Dagster instance whose process is gone: found, marked failed, their pool slots freed.

A run killed with SIGKILL (or a machine that lost power) stays STARTED in the instance and keeps the
slot of pool `duckdb_writer`, so every later run would wait at its first writing step for ever. Each
run records which process executes it (pid, host and the process's start time, which tells a reused
pid from the original); whoever starts a run next checks those processes and cleans up after the dead.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Dagster takes seconds to import; `rare-earth status` does without it.
    from dagster import DagsterInstance

PID_TAG = "rare_earth/pid"
HOST_TAG = "rare_earth/host"
PROCESS_START_TAG = "rare_earth/process_start"


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a process (clock ticks since boot), or None where /proc cannot tell."""
    try:
        stat = open(f"/proc/{pid}/stat", "rb").read()  # noqa: SIM115 - one read of a kernel file
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    return stat[stat.rfind(b")") + 2 :].split()[19].decode()


def process_tags(pid: int | None = None) -> dict[str, str]:
    """Tags naming the process that executes a run: this one unless `pid` is given."""
    pid = pid or os.getpid()
    return {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), PROCESS_START_TAG: _process_start(pid) or ""}


def process_is_gone(tags: dict[str, str]) -> bool:
    """Whether the process the tags name has ended (False when they name none, or another host's)."""
    if PID_TAG not in tags or tags.get(HOST_TAG) != socket.gethostname():
        return False
    pid = int(tags[PID_TAG])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    recorded = tags.get(PROCESS_START_TAG)
    return bool(recorded) and _process_start(pid) not in (None, recorded)


@dataclass(frozen=True)
class RunProcess:
    """A run of the warehouse's instance and the process that executes (or executed) it."""

    run_id: str
    pid: str
    started: datetime | None

    def _who(self) -> str:
        when = f", started {self.started:%Y-%m-%d %H:%M:%S} UTC" if self.started else ""
        return f"pid {self.pid}{when}"

    def recovered(self) -> str:
        return (
            f"recovered an interrupted load: run {self.run_id[:8]} ({self._who()}) had no process left; "
            "marked failed and its pool slots freed"
        )

    def running(self) -> str:
        return f"another load is running ({self._who()}, run {self.run_id[:8]})"


def _in_progress(instance: DagsterInstance) -> list[tuple[str, dict[str, str], datetime | None]]:
    """(run id, the tags naming its process, start time) of every run that has started and not ended."""
    from dagster import DagsterRunStatus, RunsFilter

    statuses = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
    return [
        (
            record.dagster_run.run_id,
            _process_of(instance, record.dagster_run.run_id, dict(record.dagster_run.tags)),
            datetime.fromtimestamp(record.start_time, UTC) if record.start_time else None,
        )
        for record in instance.get_run_records(filters=RunsFilter(statuses=statuses))
    ]


def _process_of(instance: DagsterInstance, run_id: str, tags: dict[str, str]) -> dict[str, str]:
    """The run's process tags; for a run that has none (started by an earlier release, or killed before it
    could tag itself) the pid Dagster's in-process executor logged, on this host, whose instance it is."""
    if PID_TAG in tags:
        return tags
    from dagster import DagsterEventType

    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        pid = data.metadata.get("pid") if data else None
        if pid is not None:
            return {**tags, PID_TAG: str(pid.value), HOST_TAG: socket.gethostname()}
    return tags


def recover_dead_runs(instance: DagsterInstance, current_run_id: str | None = None) -> list[RunProcess]:
    """Mark failed every in-progress run whose process is gone, and free the pool slots of finished runs."""
    recovered: list[RunProcess] = []
    for run_id, tags, started in _in_progress(instance):
        if run_id == current_run_id or not process_is_gone(tags):
            continue
        run = instance.get_run_by_id(run_id)
        if run is None:
            continue
        instance.report_run_failed(run, f"the process that ran it (pid {tags[PID_TAG]}) is gone: killed or crashed")
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        recovered.append(RunProcess(run_id, tags[PID_TAG], started))
    # A run that ended without giving its slots back (killed between a step and its release).
    holders = instance.event_log_storage.get_concurrency_run_ids() - {current_run_id}
    in_progress = {run_id for run_id, _, _ in _in_progress(instance)}
    for run_id in holders - in_progress:
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return recovered


def live_runs(instance: DagsterInstance, current_run_id: str | None = None) -> list[RunProcess]:
    """In-progress runs other than `current_run_id` whose process still runs (or cannot be checked)."""
    return [
        RunProcess(run_id, tags.get(PID_TAG, "?"), started)
        for run_id, tags, started in _in_progress(instance)
        if run_id != current_run_id and not process_is_gone(tags)
    ]
