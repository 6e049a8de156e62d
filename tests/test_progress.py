"""Progress for people: a rewriting status line on a terminal, plain timestamped lines elsewhere."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from orchestration.progress import ProgressHandler, dbt_log, show_progress, take_dbt_log
from orchestration.progress import logger as progress_log


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def record(message: str, transient: bool) -> logging.LogRecord:
    made = logging.LogRecord("rare_earth.progress", logging.INFO, __file__, 1, message, (), None)
    made.transient = transient
    return made


def test_a_terminal_gets_one_status_line_rewritten_and_lasting_lines_kept() -> None:
    terminal = Terminal()
    handler = ProgressHandler(terminal)
    handler.emit(record("file 1/2 a.csv: 1,000 rows", transient=True))
    handler.emit(record("file 1/2 a.csv: 2,000 rows", transient=True))
    handler.emit(record("file 1/2 a.csv: loaded 2025-11 (2,000 rows)", transient=False))
    handler.finish()
    assert terminal.getvalue() == (
        "\r\033[Kfile 1/2 a.csv: 1,000 rows"
        "\r\033[Kfile 1/2 a.csv: 2,000 rows"
        "\r\033[Kfile 1/2 a.csv: loaded 2025-11 (2,000 rows)\n"
    )


class FakeClock:
    """A monotonic clock that moves only when the test says, from 0.0 as on a machine just booted."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_plain_lines_and_a_climbing_count_only_as_a_heartbeat_of_long_work() -> None:
    log = io.StringIO()
    clock = FakeClock()
    handler = ProgressHandler(log, interval_s=5.0, clock=clock)
    clock.now = 10.0
    handler.emit(record("file 1/2 a.csv: 1,000 rows", transient=True))  # after a quiet start: the work starts
    clock.now = 10.5
    handler.emit(record("file 1/2 a.csv: loaded 2025-11 (2,000 rows)", transient=False))  # always shown
    clock.now = 11.0
    handler.emit(record("file 2/2 b.csv: 1,000 rows", transient=True))  # b.csv starts
    clock.now = 15.5
    handler.emit(record("file 2/2 b.csv: 2,000 rows", transient=True))  # 4.5 s into it: dropped
    clock.now = 16.5
    handler.emit(record("file 2/2 b.csv: 3,000 rows", transient=True))  # 5.5 s of it and of silence: a heartbeat
    clock.now = 18.0
    handler.emit(record("file 2/2 b.csv: 4,000 rows", transient=True))  # 1.5 s after the heartbeat: dropped
    clock.now = 21.6
    handler.emit(record("file 2/2 b.csv: 5,000 rows", transient=True))
    clock.now = 22.0
    handler.emit(record("file 2/2 b.csv: loaded 2025-12 (5,200 rows)", transient=False))
    lines = log.getvalue().splitlines()
    assert [line[9:] for line in lines] == [
        "file 1/2 a.csv: loaded 2025-11 (2,000 rows)",
        "file 2/2 b.csv: 3,000 rows",
        "file 2/2 b.csv: 5,000 rows",
        "file 2/2 b.csv: loaded 2025-12 (5,200 rows)",
    ]
    assert all(line[2] == ":" and line[5] == ":" and "\r" not in line for line in lines)


def test_a_log_gets_no_colour_codes() -> None:
    log = io.StringIO()
    ProgressHandler(log).emit(record("1 of 87 PASS unique_month \x1b[32mPASS\x1b[0m in 0.01s", transient=False))
    assert log.getvalue()[9:] == "1 of 87 PASS unique_month PASS in 0.01s\n"


@pytest.fixture
def dbt_log_restored() -> Iterator[None]:
    """show_progress() rewires the loggers; put them back as they were for the other tests."""
    saved = {log: (list(log.handlers), log.level, log.propagate) for log in (progress_log, dbt_log)}
    yield
    for log, (handlers, level, propagate) in saved.items():
        log.handlers[:] = handlers
        log.setLevel(level)
        log.propagate = propagate


def test_dbt_log_is_kept_quietly_until_taken(dbt_log_restored: None) -> None:
    log = io.StringIO()
    show_progress(log)
    dbt_log.info("Running with dbt=1.11.16")
    dbt_log.info("1 of 87 START sql table model marts.dim_partner \x1b[32m[RUN]\x1b[0m")
    progress_log.info("dbt build of the staging, intermediate and marts models for 2025-11..2025-11")
    assert "dbt=" not in log.getvalue() and "START" not in log.getvalue()
    assert take_dbt_log() == ["Running with dbt=1.11.16", "1 of 87 START sql table model marts.dim_partner [RUN]"]
    assert take_dbt_log() == []  # taken once: a second run of the same load starts afresh


def test_dbt_log_is_shown_as_it_comes_when_asked(dbt_log_restored: None) -> None:
    log = io.StringIO()
    show_progress(log, dbt_live=True)
    dbt_log.info("Running with dbt=1.11.16")
    assert log.getvalue()[9:] == "Running with dbt=1.11.16\n"
    assert take_dbt_log() == []
