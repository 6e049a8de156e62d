"""The engine dbt builds the marts on: DuckDB in the build database (the default), or Apache Spark.

The same models run on both (dbt_project/macros/portable.sql); an engine is a dbt target of dbt_project/profiles.yml.
Chosen per run: `rare-earth load --engine spark`, `RARE_EARTH_ENGINE=spark`, or the `dbt_engine` resource's config in
the Dagster UI's launchpad.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import shutil

ENGINE_ENV = "RARE_EARTH_ENGINE"


class Engine(enum.Enum):
    DUCKDB = "duckdb"
    SPARK = "spark"

    @property
    def dbt_target(self) -> str:
        return {Engine.DUCKDB: "build", Engine.SPARK: "spark"}[self]


class EngineUnavailable(Exception):
    """The chosen engine cannot run on this machine; the message says what to install."""


def engine_named(name: str | None) -> Engine:
    """'duckdb' or 'spark' (any case); empty or None is the default, DuckDB."""
    text = (name or "").strip().lower() or Engine.DUCKDB.value
    try:
        return Engine(text)
    except ValueError:
        choices = " or ".join(engine.value for engine in Engine)
        raise EngineUnavailable(f"unknown engine {name!r}: expected {choices}") from None


def engine_from_env() -> Engine:
    try:
        return engine_named(os.environ.get(ENGINE_ENV))
    except EngineUnavailable as err:
        raise EngineUnavailable(f"{ENGINE_ENV}: {err}") from None


def ensure_available(engine: Engine) -> None:
    """Raise EngineUnavailable, saying what is missing, before a run starts work it could not finish."""
    if engine is not Engine.SPARK:
        return
    missing = [
        name
        for name, module in (("pyspark", "pyspark"), ("dbt-spark", "dbt.adapters.spark"))
        if _find_spec(module) is None
    ]
    if missing:
        raise EngineUnavailable(
            f"the spark engine needs {' and '.join(missing)}: pip install -c requirements.lock -e '.[spark]' "
            "(or `make install-spark`)"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise EngineUnavailable(
            "the spark engine needs a Java 17 runtime (Debian: apt-get install default-jre-headless)"
        )


def _find_spec(module: str) -> object | None:
    try:
        return importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a parent package is missing
        return None
