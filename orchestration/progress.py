"""Progress of long work (files, rows, months), as log records any front end can show.

The libraries log to the `rare_earth.progress` logger; the CLI shows it on the terminal as one status
line that rewrites itself, or as plain timestamped lines when the output is not a terminal (CI, logs).
Inside Dagster nothing listens, and the run's own event log tells the story.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

logger = logging.getLogger("rare_earth.progress")

# A record with `transient=True` (e.g. a row count climbing) is replaced by the next one on a terminal
# and thinned out to one per few seconds elsewhere.
TRANSIENT = {"transient": True}


class ProgressHandler(logging.Handler):
    def __init__(self, stream: TextIO, interval_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.stream = stream
        self.tty = stream.isatty()
        self.interval_s = interval_s
        self._clock = clock
        # None until the first transient line: the clock's zero is arbitrary (boot time for monotonic).
        self._last_transient: float | None = None
        self._status_shown = False

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        transient = getattr(record, "transient", False)
        if self.tty:
            # One status line, rewritten; a lasting message takes its own line.
            self.stream.write(f"\r\033[K{message}" + ("" if transient else "\n"))
            self._status_shown = transient
        else:
            if transient:
                now = self._clock()
                if self._last_transient is not None and now - self._last_transient < self.interval_s:
                    return
                self._last_transient = now
            self.stream.write(f"{time.strftime('%H:%M:%S')} {message}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._status_shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def show_progress(stream: TextIO = sys.stderr) -> ProgressHandler:
    """Attach a handler that shows progress on `stream` (the CLI calls this once)."""
    handler = ProgressHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return handler
