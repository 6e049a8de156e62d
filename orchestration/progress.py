"""Progress of long work (files, rows, months), as log records any front end can show.

The libraries log to the `rare_earth.progress` logger; the CLI shows it on the terminal as one status
line that rewrites itself, or as plain timestamped lines when the output is not a terminal (CI, logs).
dbt's own log goes, line by line, to the `rare_earth.dbt` logger: the CLI shows it live with
`rare-earth load --verbose`, and otherwise keeps it in memory to print if the dbt build failed.
Inside Dagster nothing listens, and the run's own event log tells the story.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable
from typing import TextIO

logger = logging.getLogger("rare_earth.progress")
# Every line of dbt's own log, as a build runs: the CLI shows them with --verbose or when the build failed.
dbt_log = logging.getLogger("rare_earth.dbt")

# A record with `transient=True` (e.g. a row count climbing) is replaced by the next one on a terminal;
# elsewhere it is shown only as a heartbeat, when the work it reports has gone on for a few seconds with
# nothing else written.
TRANSIENT = {"transient": True}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ProgressHandler(logging.Handler):
    def __init__(self, stream: TextIO, interval_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.stream = stream
        self.tty = stream.isatty()
        self.interval_s = interval_s
        self._clock = clock
        # Off a terminal a transient line is a heartbeat: shown when the work it reports has gone on for
        # `interval_s` since it started (its first transient line) and since the last line written.
        self._last_line: float | None = None
        self._working_since: float | None = None
        self._status_shown = False

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        transient = getattr(record, "transient", False)
        if self.tty:
            # One status line, rewritten; a lasting message takes its own line.
            self.stream.write(f"\r\033[K{message}" + ("" if transient else "\n"))
            self._status_shown = transient
        else:
            now = self._clock()
            if transient:
                if self._working_since is None:
                    self._working_since = now
                if now - max(self._working_since, self._last_line or self._working_since) < self.interval_s:
                    return
            else:
                self._working_since = None
            self._last_line = now
            self.stream.write(f"{time.strftime('%H:%M:%S')} {_ANSI.sub('', message)}\n")
        self.stream.flush()

    def clear_status(self) -> None:
        """Take the status line off a terminal, so that other output starts on a clean line."""
        if self.tty and self._status_shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._status_shown = False

    def finish(self) -> None:
        self.clear_status()


class KeptLines(logging.Handler):
    """A logger's lines kept in memory until someone takes them (dbt's log, printed if its build failed)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


def show_progress(stream: TextIO = sys.stderr, dbt_live: bool = False) -> ProgressHandler:
    """Attach a handler that shows progress on `stream` (the CLI calls this once). dbt's log is shown on it
    too with `dbt_live`, else kept: `take_dbt_log()` returns what was kept."""
    handler = ProgressHandler(stream)
    for log, target in ((logger, handler), (dbt_log, handler if dbt_live else KeptLines())):
        for old in [h for h in log.handlers if isinstance(h, ProgressHandler | KeptLines)]:
            log.removeHandler(old)
        log.addHandler(target)
        log.setLevel(logging.INFO)
        log.propagate = False
    return handler


def take_dbt_log() -> list[str]:
    """dbt's log lines kept since the last call (none when they were shown live), without colour codes."""
    return [_ANSI.sub("", line) for h in dbt_log.handlers if isinstance(h, KeptLines) for line in h.take()]
