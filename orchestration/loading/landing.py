"""The landing folder: which files are there, and which of them the warehouse has not seen yet."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb

from orchestration.gacc import GaccFileError
from orchestration.loading.schema import FILES_TABLE

_IGNORED_PREFIXES = (".", "~$")  # hidden files, editors' and Excel's lock files


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

    def check_inside_landing(self) -> None:
        """Refuse a file that resolves outside the landing folder (a symlink to elsewhere)."""
        if not self.path.resolve().is_relative_to(self.landing.resolve()):
            raise GaccFileError(self.name, f"refusing a file that resolves outside the landing folder {self.landing}")

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


def scan_landing(landing: Path) -> list[LandingFile]:
    """Every regular file at any depth below the landing folder, sorted by name for a stable load order."""
    found: list[LandingFile] = []
    for folder, dirs, files in os.walk(landing):
        dirs[:] = sorted(d for d in dirs if not d.startswith(_IGNORED_PREFIXES))
        for file in files:
            if file.startswith(_IGNORED_PREFIXES):
                continue
            stat = (Path(folder) / file).stat()
            name = (Path(folder) / file).relative_to(landing).as_posix()
            found.append(LandingFile(landing, name, stat.st_size, stat.st_mtime_ns))
    return sorted(found, key=lambda f: f.name)


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
        sha = file.sha256()
        if (file.name, sha) not in by_hash:
            pending.append((file, sha))
    return pending
