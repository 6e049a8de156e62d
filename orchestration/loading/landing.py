"""The landing folder: which files are there, and which of them the warehouse has not seen yet."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

import duckdb

from orchestration.build_database import FILES_TABLE
from orchestration.gacc import GaccFileError

_IGNORED_PREFIXES = (".", "~$")  # hidden files, editors' and Excel's lock files
# The landing folder's sub-folder of partner-reported statistics (UN Comtrade downloads); everything else is customs.
PARTNER_FOLDER = "partner"


class Source(StrEnum):
    """Where a landing file's figures come from, told by its folder: each source has its reader and raw table."""

    CUSTOMS = "customs"  # China Customs (GACC) downloads: China's own exports and imports
    PARTNER = "partner"  # UN Comtrade downloads in landing/partner/: what China's partners report


@dataclass(frozen=True)
class LandingFile:
    """A file below the landing folder, named by its path relative to that folder (POSIX style)."""

    landing: Path
    name: str
    size_bytes: int
    mtime_ns: int

    @property
    def path(self) -> Path:
        return self.landing / self.name

    @property
    def relative_path(self) -> PurePosixPath:
        return PurePosixPath(self.name)

    @property
    def source(self) -> Source:
        parts = self.relative_path.parts
        return Source.PARTNER if len(parts) > 1 and parts[0] == PARTNER_FOLDER else Source.CUSTOMS

    def check_inside_landing(self) -> None:
        """Refuse a file that resolves outside the landing folder (a symlink to elsewhere)."""
        if not self.path.resolve().is_relative_to(self.landing.resolve()):
            raise GaccFileError(self.name, f"refusing a file that resolves outside the landing folder {self.landing}")

    def changed_since_scan(self) -> bool:
        """Whether the file's size or modification time moved since it was scanned (or it is gone)."""
        try:
            stat = self.path.stat()
        except OSError:
            return True
        return (stat.st_size, stat.st_mtime_ns) != (self.size_bytes, self.mtime_ns)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        if not self.path.resolve().is_relative_to(self.landing.resolve()):
            # Never read a file outside the landing folder, not even to hash it; it will be quarantined.
            digest.update(str(self.path.resolve()).encode())
            return digest.hexdigest()
        with self.path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()


def landing_file(landing: Path, name: str) -> LandingFile:
    """A landing file by relative name; refuses names that climb out of the folder (`../`, symlinks)."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise GaccFileError(name, f"refusing a path outside the landing folder {landing}: names may not contain '..'")
    stat = (landing / relative).stat()
    file = LandingFile(landing, relative.as_posix(), stat.st_size, stat.st_mtime_ns)
    file.check_inside_landing()
    return file


def _walk(landing: Path) -> Iterator[tuple[str, os.stat_result | None, str | None]]:
    """(relative name, stat, why it is skipped) of every file and hidden folder below the landing folder."""
    for folder, dirs, files in os.walk(landing):
        for hidden in sorted(d for d in dirs if d.startswith(_IGNORED_PREFIXES)):
            yield (Path(folder) / hidden).relative_to(landing).as_posix() + "/", None, _HIDDEN
        dirs[:] = sorted(d for d in dirs if not d.startswith(_IGNORED_PREFIXES))
        for file in files:
            path = Path(folder) / file
            name = path.relative_to(landing).as_posix()
            if file.startswith(_IGNORED_PREFIXES):
                yield name, None, _HIDDEN
                continue
            try:
                yield name, path.stat(), None
            except OSError as err:  # a dangling link, or a file removed while the folder was read
                yield name, None, f"cannot be read ({err.strerror})"


_HIDDEN = "its name starts with '.' or '~$' (a hidden or lock file); rename it to load it"


def scan_landing(landing: Path) -> list[LandingFile]:
    """Every regular file at any depth below the landing folder, sorted by name for a stable load order."""
    found = [
        LandingFile(landing, name, stat.st_size, stat.st_mtime_ns)
        for name, stat, _ in _walk(landing)
        if stat is not None
    ]
    return sorted(found, key=lambda f: f.name)


def skipped_in_landing(landing: Path) -> list[tuple[str, str]]:
    """(name, why) of what a load passes over in the landing folder: hidden names, unreadable entries."""
    return sorted((name, why) for name, stat, why in _walk(landing) if why is not None)


def unseen_files(con: duckdb.DuckDBPyConnection, files: list[LandingFile]) -> list[tuple[LandingFile, str]]:
    """The files whose content the warehouse has not recorded under that name, with their sha256.

    A file whose name, size and modification time match a record is taken as seen without hashing it
    again, so a sensor can poll a folder of large downloads cheaply.
    """
    known = con.execute(f"select file_name, sha256, size_bytes, mtime_ns from {FILES_TABLE}").fetchall()
    by_stat = {(name, size, mtime) for name, _, size, mtime in known}
    by_hash = {(name, sha) for name, sha, _, _ in known}
    pending: list[tuple[LandingFile, str]] = []
    for file in files:
        if (file.name, file.size_bytes, file.mtime_ns) in by_stat:
            continue
        try:
            sha = file.sha256()
        except OSError:  # gone since the scan: the next load sees what is there then
            continue
        if (file.name, sha) not in by_hash:
            pending.append((file, sha))
    return pending
