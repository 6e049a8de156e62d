"""The one error a UN Comtrade file can raise: it says which file, where, and what was expected."""

from __future__ import annotations

from orchestration.file_errors import LandingFileError


class ComtradeFileError(LandingFileError):
    """A file that cannot be read as a UN Comtrade download. The message is meant for the person who dropped it."""
