"""Shared fixtures: GACC-shaped files written the way the portal (or a person re-saving one) writes them."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.serving.local_postgres import READER, Credentials, LocalPostgres
from orchestration.serving.postgres import replicate_marts
from orchestration.warehouse import REPO_ROOT, Warehouse

ZH_HEADER = ["数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "第一数量", "第一计量单位", "美元"]
EN_HEADER = [
    "Date of data",
    "Commodity code",
    "Commodity",
    "Trading partner code",
    "Trading partner",
    "Quantity",
    "Unit",
    "US dollar",
]

WriteCsv = Callable[..., Path]

# pytest-xdist's workers run under `python -c`, whose __main__ has no file. With the optional group `.[spark]`
# installed, Great Expectations imports pyspark's Spark Connect module, which takes such a process for a doctest
# run and exits it when Connect's own extras are missing. A worker is a script in all but name: say so.
if not hasattr(sys.modules["__main__"], "__file__") and getattr(sys.modules["__main__"], "__spec__", None) is None:
    sys.modules["__main__"].__file__ = "<pytest-xdist worker>"

# The browser of the UI and docs tests: Debian's package (.ci/run installs it); never `playwright install`.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Every table of the published schema `marts`, in name order: the dbt marts and meta_publish.
PUBLISHED_MARTS = [
    "dim_partner",
    "dim_product",
    "dim_province",
    "dim_regime",
    "exports_by_group_monthly",
    "exports_by_province_monthly",
    "exports_by_regime_monthly",
    "fct_trade_monthly",
    "magnet_exports_monthly",
    "meta_publish",
    "mirror_trade_monthly",
    "monthly_headlines",
    "published_reconciliation",
    "revisions",
]


def render_csv(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, trailing_comma: bool = False, quote_all: bool = False
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n")
    for row in [header, *rows]:
        writer.writerow([*row, ""] if trailing_comma else row)
    return buffer.getvalue()


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse").ensure()


@pytest.fixture
def write_csv(warehouse: Warehouse) -> WriteCsv:
    """Write a CSV below the landing folder: `write_csv("exports/x_2025-11.csv", header, rows, encoding=...)`."""

    def write(
        name: str,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        encoding: str = "utf-8",
        trailing_comma: bool = False,
        quote_all: bool = False,
    ) -> Path:
        path = warehouse.landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_csv(header, rows, trailing_comma=trailing_comma, quote_all=quote_all).encode(encoding))
        return path

    return write


def rare_earth(warehouse: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The `rare-earth` command as a person runs it, on a warehouse folder."""
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse)}
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [str(Path(sys.executable).with_name("rare-earth")), *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def reachable_temp_dir(prefix: str) -> Path:
    """A temporary folder the `postgres` system user can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


@dataclass(frozen=True)
class SampleLoad:
    warehouse: Path
    load: subprocess.CompletedProcess[str]
    pristine: Path  # the warehouse as the load left it (DuckDB file, exports, Dagster instance), never changed


@pytest.fixture(scope="session")
def sample_load() -> Iterator[SampleLoad]:
    """The bundled sample, written and loaded by the real CLI once per session.

    End-to-end tests add files to `warehouse` and load again; tests that need the sample as published
    read `pristine`.
    """
    root = reachable_temp_dir("rare-earth-sample-")
    warehouse = root / "warehouse"
    try:
        assert rare_earth(warehouse, "sample").returncode == 0
        load = rare_earth(warehouse, "load")
        # The whole warehouse as the load left it (its DuckDB file, exports, inbox and Dagster instance):
        # tests that add files to `warehouse` must not change what the others see.
        pristine = root / "pristine"
        shutil.copytree(warehouse, pristine, ignore=shutil.ignore_patterns("postgres", "*.lock"))
        yield SampleLoad(warehouse, load, pristine)
    finally:
        LocalPostgres(warehouse / "postgres").stop()  # `rare-earth serve-bi` may have started one
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Credentials]:
    """A real PostgreSQL cluster on 127.0.0.1, stopped and removed at the end even when a test fails."""
    root = reachable_temp_dir("rare-earth-pg-")
    local = LocalPostgres(root / "postgres")
    try:
        yield local.start()
    finally:
        local.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def published_sample(sample_load: SampleLoad) -> Path:
    return sample_load.pristine / "rare_earth.duckdb"


@pytest.fixture
def replica(cluster: Credentials, published_sample: Path) -> Credentials:
    """The cluster, serving the sample's published marts (published again for each test)."""
    replicate_marts(published_sample, cluster.admin_url, READER)
    return cluster
