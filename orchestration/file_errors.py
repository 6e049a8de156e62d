"""The error any landing file can raise, whatever its source: it says which file, where, and what was expected.

Each source's reader (GACC customs downloads, UN Comtrade partner statistics) raises its own subclass; the
loader quarantines a file on any of them with the message as the reason.
"""

from __future__ import annotations


class LandingFileError(ValueError):
    """A file that cannot be loaded. The message is meant for the person who dropped it."""

    def __init__(self, path: str, problem: str, *, line: int | None = None, column: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        self.column = column
        where = f", line {line}" if line is not None else ""
        super().__init__(f"{path}{where}: {problem}")
