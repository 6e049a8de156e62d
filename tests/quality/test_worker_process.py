"""The worker process of a load: the same answers as the caller's own, errors raised where they were asked for,
and a worker that dies costs time, never the answer."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from suite_rows import MARTS_OK

from orchestration import worker_process
from orchestration.quality.runner import run_suite_by
from orchestration.worker_process import in_worker_process, start_worker_process, stop_worker_process

# Two months of a series, the second with a broken WORLD total: an error, located by series and month.
MONTHS = pd.DataFrame([MARTS_OK, {**MARTS_OK, "month": "2025-12-01", "world_minus_partners": 12.5}])
LOCATE_BY = ("series", "month", "mom_pct", "band")


def _not_importable_there() -> None:
    """Defined in a test module, which the worker process (started with the project's modules) cannot import."""


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "logs" / "worker-process.log"
    start_worker_process(log)
    yield log
    stop_worker_process()


def test_the_work_runs_in_another_process_with_the_same_answer(worker: Path) -> None:
    assert in_worker_process(os.getpid) != os.getpid()
    there = in_worker_process(run_suite_by, "marts_month", MONTHS, ("month",), locate_by=LOCATE_BY)
    assert there == run_suite_by("marts_month", MONTHS, ("month",), locate_by=LOCATE_BY)
    assert [len(report.errors) for report in there.values()] == [0, 1]
    [error] = there[("2025-12-01",)].errors
    assert error.column == "world_minus_partners" and "month=2025-12-01" in error.summary()


def test_an_error_is_raised_where_the_work_was_asked_for(worker: Path) -> None:
    with pytest.raises(ValueError, match="invalid literal for int"):
        in_worker_process(int, "2025-13")
    with pytest.raises(ModuleNotFoundError):  # a function the worker cannot import: the caller hears why
        in_worker_process(_not_importable_there)
    assert in_worker_process(os.getpid) != os.getpid()  # and the worker goes on


def test_a_dead_worker_costs_time_never_the_answer(worker: Path, caplog: pytest.LogCaptureFixture) -> None:
    started = worker_process._started
    assert started is not None
    os.kill(started.process.pid, signal.SIGKILL)
    started.process.wait()
    with caplog.at_level(logging.WARNING, logger="rare_earth.progress"):
        assert in_worker_process(os.getpid) == os.getpid()
    assert f"the worker process ended (exit code -9, log {worker}): this process does its work" in caplog.text
    assert worker_process._started is None


def test_stopping_leaves_no_process(worker: Path) -> None:
    started = worker_process._started
    assert started is not None
    stop_worker_process()
    assert started.process.returncode is not None
    assert in_worker_process(os.getpid) == os.getpid()  # without a worker the caller does the work


def test_what_cannot_be_sent_fails_in_the_caller_and_the_worker_goes_on(worker: Path) -> None:
    with pytest.raises(AttributeError, match="Can't pickle local object"):
        in_worker_process(lambda: None)
    assert in_worker_process(os.getpid) != os.getpid()
