"""dbt models, seeds and tests as Dagster assets and checks, partitioned by month like the ingest."""

import contextlib
import functools
import hashlib
import json
import shutil
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.build_database import (
    BUILD_MEMORY_LIMIT,
    INTERRUPTED_BUILD,
    connect_build_db,
    marts_rebuild_reason,
    record_build,
    record_marts_version,
    set_build_months,
)
from orchestration.defs.partitions import month_range, monthly_partitions
from orchestration.defs.resources import DbtEngineResource, WarehouseResource
from orchestration.defs.transform.in_process import DbtBuildRun, dbt_build_in_process
from orchestration.defs.transform.on_spark import dbt_build_on_spark
from orchestration.defs.transform.project import rare_earth_dbt
from orchestration.engines import Engine, ensure_available
from orchestration.loading.lake import write_lake
from orchestration.loading.summary import loaded_months, relation_shape
from orchestration.progress import dbt_log
from orchestration.progress import logger as progress
from orchestration.serving.table_docs import MARTS
from orchestration.spark_marts import MartColumns, import_spark_marts, spark_has_marts
from orchestration.warehouse import Warehouse

# Models and seeds without a dbt group (dbt_project.yml gives every folder one).
OWNER = "team:analytics-engineering"
PARTIAL_PARSE = "partial_parse.msgpack"


class RareEarthTranslator(DagsterDbtTranslator):
    """Keys by schema (e.g. marts/fct_trade_monthly); monthly partitions except for reference data."""

    def get_partitions_def(self, dbt_resource_props: Mapping[str, Any]) -> dg.PartitionsDefinition | None:
        # Seeds and dimensions describe codes, not months: each build rewrites them whole.
        if dbt_resource_props["resource_type"] == "seed" or dbt_resource_props["name"].startswith("dim_"):
            return None
        return monthly_partitions

    def get_code_version(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # dbt checksums a seed over 1 MB by its path only: hash the file, so a changed code list shows.
        if dbt_resource_props["resource_type"] == "seed":
            seed = rare_earth_dbt.project_dir / dbt_resource_props["original_file_path"]
            return hashlib.sha256(seed.read_bytes()).hexdigest()[:12]
        return super().get_code_version(dbt_resource_props)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        # The dbt group names the team, so the UI and dbt docs name the same owner (data_engineering ->
        # team:data-engineering). dagster-dbt passes the group's properties here, not its name.
        group = (dbt_resource_props.get("group") or {}).get("name")
        return [f"team:{group.replace('_', '-')}"] if group else [OWNER]

    def get_asset_check_spec(
        self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_dbt_test(manifest["nodes"][unique_id]))


def describe_dbt_test(node: Mapping[str, Any]) -> str:
    """What a dbt test checks, in words, for a check that has no description of its own in the YAML."""
    if node.get("description"):
        return node["description"]
    test = node.get("test_metadata") or {}
    kwargs = {k: v for k, v in (test.get("kwargs") or {}).items() if k not in ("model", "column_name")}
    severity = (node.get("config") or {}).get("severity", "error").lower()
    target = node.get("column_name") or ", ".join(kwargs.pop("combination_of_columns", [])) or "the model"
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items() if not str(k).startswith("_"))
    name = test.get("name") or node["name"]
    return f"dbt test `{name}` on {target}" + (f" ({args})" if args else "") + f"; severity {severity}."


translator = RareEarthTranslator(
    # raw.customs_lines, raw.current_customs_lines and audit.files are all written by the one ingest asset.
    settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
)


@functools.cache
def _manifest_nodes() -> dict[str, Any]:
    """The dbt manifest's nodes, read once per process (the manifest is several MB of JSON)."""
    return json.loads(rare_earth_dbt.manifest_path.read_text())["nodes"]


def _mart_nodes() -> list[dict[str, Any]]:
    return [node for node in _manifest_nodes().values() if node["resource_type"] == "model" and node["schema"] == MARTS]


def mart_keys() -> list[dg.AssetKey]:
    """Every dbt model in the marts schema: a new mart is upstream of the publish without a list to edit."""
    return sorted(translator.get_asset_key(node) for node in _mart_nodes())


def mart_columns() -> dict[str, MartColumns]:
    """Every mart's columns in its contract's order and types."""
    return {
        node["name"]: [(name, column["data_type"]) for name, column in node["columns"].items()]
        for node in sorted(_mart_nodes(), key=lambda node: node["name"])
    }


def _relations(engine: Engine) -> dict[str, str]:
    """The build database's relation of each model and seed; after a Spark build only the marts are read back."""
    return {
        unique_id: node["relation_name"]
        for unique_id, node in _manifest_nodes().items()
        if node["resource_type"] in ("model", "seed")
        and node.get("relation_name")
        and (engine is Engine.DUCKDB or node["schema"] == MARTS)
    }


@dbt_assets(
    manifest=rare_earth_dbt.manifest_path,
    project=rare_earth_dbt,
    dagster_dbt_translator=translator,
    pool="duckdb_writer",
)
def rare_earth_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    dbt_engine: DbtEngineResource,
) -> Iterator[Any]:
    """`dbt build` for the run's months: incremental models rewrite only those months (all of them, from the raw
    layer, after a release changed their shape: var marts_version, or after a change of engine)."""
    first, last = month_range(context)
    wh = warehouse.get()
    engine = dbt_engine.get()
    ensure_available(engine)
    with warehouse.build_db() as con:
        reason = marts_rebuild_reason(con, engine.value)
        # Spark keeps its own tables: its first build of a warehouse builds every month.
        rebuild = reason is not None or (engine is Engine.SPARK and not spark_has_marts(wh, list(mart_columns())))
        if rebuild:  # every month's marts are rewritten: the bookkeeping covers them all
            loaded = [m.month for m in loaded_months(con)] or [first]
            first, last = min(first, *loaded), max(last, *loaded)
        record_build(con, first, last, INTERRUPTED_BUILD)
        set_build_months(con, None if rebuild else (first, last))
        # After the raw suite decided what is held: the lake's flags are the ones dbt reads.
        lake = write_lake(con, wh.lake_dir, *((None, None) if rebuild else (first, last)))
    context.log.info(lake.summary())
    if reason is not None:
        progress.info(f"{reason}: every month, {first:%Y-%m}..{last:%Y-%m}, is rebuilt from the raw layer")
    on = "" if engine is Engine.DUCKDB else f" on {engine.value}"
    progress.info(f"dbt build{on} of the staging, intermediate and marts models for {first:%Y-%m}..{last:%Y-%m}")
    args = ["build", "--exclude-resource-type", "unit_test", *(["--full-refresh"] if rebuild else [])]
    with wh.writer_lock():
        # dbt-duckdb holds the database for the whole build, so row counts and column types are read
        # after it is done (dagster-dbt's fetch_row_counts would race it for DuckDB's file lock).
        log = DbtLog()
        # dbt's unit tests test the SQL, not the data: `make test` runs them, a production build skips them.
        build, events = _build(context, dbt, engine, wh, args, None if rebuild else (first, last), log)
        context.log.info(f"dbt's log:\n{log.text()}")
        if engine is Engine.SPARK and build.error() is None:
            with contextlib.closing(connect_build_db(wh)) as con:
                imported = import_spark_marts(con, wh, mart_columns())
            context.log.info(f"marts read back from Spark: {imported}")
        relations = _relations(engine)
        con = duckdb.connect(str(wh.build_db), read_only=True, config={"memory_limit": BUILD_MEMORY_LIMIT})
        try:
            for event in events:
                yield _with_shape(con, relations, event)
        finally:
            con.close()
    error = build.error()
    with warehouse.build_db() as con:
        record_build(con, first, last, error)
        set_build_months(con, None)
        if error is None:
            record_marts_version(con, engine.value)
    if error is not None:
        raise dg.Failure(f"dbt build failed for {first:%Y-%m}..{last:%Y-%m}: {error}")


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    engine: Engine,
    wh: Warehouse,
    args: list[str],
    months: tuple[date, date] | None,
    log: "DbtLog",
) -> tuple[DbtBuildRun, Iterable[Any]]:
    if engine is Engine.SPARK:
        (wh.spark_dir / "tmp").mkdir(parents=True, exist_ok=True)  # the JVM's java.io.tmpdir (profiles.yml)
        return dbt_build_on_spark(context, dbt, args, months, wh.dbt_target_dir / "spark", log.write_line)
    # The warehouse's own target folder keeps dbt's partial-parse state from one run to the next; the months
    # come from the control table (set_build_months), which keeps the parse valid.
    _start_from_the_project_parse(wh.dbt_target_dir)
    return dbt_build_in_process(context, dbt, args, target_path=wh.dbt_target_dir, on_log_line=log.write_line)


def _start_from_the_project_parse(target: Path) -> None:
    """A warehouse's first build starts from the parse `make` did: dbt reuses it when the profile is the same (the
    default warehouse), and parses everything again otherwise, as it would anyway."""
    ours, projects = target / PARTIAL_PARSE, rare_earth_dbt.project_dir / rare_earth_dbt.target_path / PARTIAL_PARSE
    if not ours.exists() and projects.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(projects, ours)


class DbtLog:
    """dbt's log lines: kept for the run's event log and passed on, one by one, to the `rare_earth.dbt`
    logger (the CLI shows them with --verbose, or when the build failed)."""

    def __init__(self) -> None:
        self._lines: list[str] = []

    def write_line(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            self._lines.append(line)
            dbt_log.info(line)

    def text(self) -> str:
        return "\n".join(self._lines).strip()


def _with_shape(con: duckdb.DuckDBPyConnection, relations: dict[str, str], event: Any) -> Any:
    """A model's materialisation with its row count and column types, as the UI shows for tables."""
    if not isinstance(event, dg.Output):
        return event
    unique_id = event.metadata.get("unique_id")
    relation = relations.get(unique_id.value) if isinstance(unique_id, dg.TextMetadataValue) else None
    if relation is None:
        return event
    rows, columns = relation_shape(con, relation)
    schema = dg.TableSchema(columns=[dg.TableColumn(name, type_) for name, type_ in columns])
    return event.with_metadata({**event.metadata, "dagster/row_count": rows, "dagster/column_schema": schema})
