"""Progress for people: a rewriting status line on a terminal, plain timestamped lines elsewhere."""

from __future__ import annotations

import io
import logging

from orchestration.progress import ProgressHandler


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


def test_a_log_gets_plain_lines_with_climbing_counts_thinned_out() -> None:
    log = io.StringIO()
    clock = FakeClock()
    handler = ProgressHandler(log, interval_s=5.0, clock=clock)
    handler.emit(record("file 1/2 a.csv: 1,000 rows", transient=True))  # the first one, even at clock zero
    clock.now = 4.9
    handler.emit(record("file 1/2 a.csv: 2,000 rows", transient=True))  # within the interval: dropped
    handler.emit(record("file 1/2 a.csv: loaded 2025-11 (2,000 rows)", transient=False))
    clock.now = 5.0
    handler.emit(record("file 2/2 b.csv: 1,000 rows", transient=True))
    lines = log.getvalue().splitlines()
    assert [line[9:] for line in lines] == [
        "file 1/2 a.csv: 1,000 rows",
        "file 1/2 a.csv: loaded 2025-11 (2,000 rows)",
        "file 2/2 b.csv: 1,000 rows",
    ]
    assert all(line[2] == ":" and line[5] == ":" and "\r" not in line for line in lines)
