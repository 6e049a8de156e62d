"""`rare-earth load --engine spark` publishes the same marts as the DuckDB default, and a rerun of one month
rewrites only that month on Spark: `make spark-check` (tests/spark/spark_check.py) on three of the sample's months.

Real Spark (pyspark, dbt-spark, a JVM): `make test` installs the optional group, and CI installs Java where a
machine lacks it. Nothing here is skipped: without them the test fails and says what is missing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import PUBLISHED_MARTS
from spark_check import RARE_EARTH, spark_check

from orchestration.build_database import build_db, marts_rebuild_reason, record_marts_version
from orchestration.engines import Engine, ensure_available
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.slow


def test_the_spark_engine_publishes_the_marts_of_the_duckdb_engine(tmp_path: Path) -> None:
    ensure_available(Engine.SPARK)  # raises, saying what to install
    comparisons, rerun = spark_check(tmp_path, ("2025-10", "2025-12"), "2025-11")

    differing = [c.describe() for c in comparisons if not c.identical]
    assert differing == []
    marts = {c.mart: c.rows for c in comparisons}
    assert sorted(marts) == PUBLISHED_MARTS
    assert marts["fct_trade_monthly"] > 500 and marts["monthly_headlines"] == 3
    # The revised month alone is rewritten in each incremental mart: one of fct_trade_monthly's three months, and
    # the first month of revisions, which had none; the province and regime marts rewrite the month after it too,
    # whose month-on-month change reads it.
    assert rerun.rewritten and rerun.only_that_month, rerun.describe()
    assert rerun.partitions == {
        "exports_by_province_monthly": 3, "exports_by_regime_monthly": 3, "fct_trade_monthly": 3, "revisions": 1
    }  # fmt: skip
    assert rerun.rewritten["exports_by_province_monthly"] == {"month=2025-11-01", "month=2025-12-01"}


def test_an_unknown_engine_is_refused_before_anything_runs(tmp_path: Path) -> None:
    env = {**os.environ, "WAREHOUSE_DIR": str(tmp_path / "warehouse"), "RARE_EARTH_ENGINE": "flink"}
    done = subprocess.run([RARE_EARTH, "load"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == "rare-earth load: RARE_EARTH_ENGINE: unknown engine 'flink': expected duckdb or spark"
    assert not (tmp_path / "warehouse").exists()


def test_a_change_of_engine_rebuilds_every_month_once(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "warehouse").ensure()
    with build_db(warehouse) as con:
        assert marts_rebuild_reason(con, "duckdb") is None  # a new warehouse: nothing to rebuild
        record_marts_version(con, "duckdb")
        assert marts_rebuild_reason(con, "duckdb") is None
        assert marts_rebuild_reason(con, "spark") == (
            "the marts were built with dbt on duckdb and this load builds on spark"
        )
        record_marts_version(con, "spark")
        assert marts_rebuild_reason(con, "spark") is None
