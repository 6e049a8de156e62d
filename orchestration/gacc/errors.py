"""The one error a GACC file can raise: it says which file, where, and what was expected."""

from __future__ import annotations


class GaccFileError(ValueError):
    """A file that cannot be read as a GACC download. The message is meant for the person who dropped it."""

    def __init__(self, path: str, problem: str, *, line: int | None = None, column: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        self.column = column
        where = f", line {line}" if line is not None else ""
        super().__init__(f"{path}{where}: {problem}")
