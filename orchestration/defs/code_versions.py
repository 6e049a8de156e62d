"""Code versions of the Python assets: a hash of the source that makes them, so that the UI can tell which
materialisations an older version of the code made (dbt assets get theirs from dagster-dbt: the SQL)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path


def source_version(*module_names: str) -> str:
    """A short hash of the modules' Python source (a package counts with every module inside it)."""
    digest = hashlib.sha256()
    for name in module_names:
        path = Path(sys.modules[name].__file__ or "")
        files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
        for file in files:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]
