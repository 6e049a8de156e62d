"""`make spark-check`: the same months loaded with dbt on DuckDB and on Spark publish the same marts.

1. Two warehouses get the same landing files. `rare-earth load` builds one on DuckDB and the other with
   `--engine spark`: the whole job each time (ingest, suites, dbt, publish), as a user runs it.
2. Every table of the published file's `marts` schema is compared with EXCEPT ALL both ways, and so is its
   Parquet export: same columns in the same order and types, same rows, doubles to 9 significant digits.
   `meta_publish` is compared without its `published_at`, the moment of each publish.
3. A revised file of one month is loaded on the Spark warehouse: in each incremental mart, only that month's
   partition is rewritten (Spark writes new file names for a partition it rewrites), and in a mart whose changes
   read earlier months (meta rewrites_months_after: the province and regime marts) those of the months after it
   that it holds; and the two warehouses, both given the revision, still publish the same marts.

The last line is `spark-check: N marts identical (M rows)`; the exit code is 1 when anything differs.
Usage: python tests/spark/spark_check.py [--months 2025-09..2025-12] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.sample import write_partner_sample_files, write_sample_files
from orchestration.sample.revision import revised_copy
from orchestration.serving.table_docs import MARTS
from orchestration.spark_marts import spark_partition_files
from orchestration.warehouse import REPO_ROOT, Warehouse

RARE_EARTH = str(Path(sys.executable).with_name("rare-earth"))
MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
# Differs by when each warehouse published, not by what was built.
PUBLISH_MOMENT_COLUMNS = {"meta_publish": ("published_at",)}
SIGNIFICANT_DIGITS = 9


@dataclass(frozen=True)
class MartComparison:
    mart: str
    rows: int
    only_duckdb: int
    only_spark: int
    columns_differ: str | None = None

    @property
    def identical(self) -> bool:
        return self.columns_differ is None and self.only_duckdb == 0 and self.only_spark == 0

    def describe(self) -> str:
        if self.columns_differ:
            return f"{self.mart}: columns differ: {self.columns_differ}"
        verdict = (
            "identical"
            if self.identical
            else f"{self.only_duckdb} rows only on DuckDB, {self.only_spark} only on Spark"
        )
        return f"{self.mart}: {self.rows:,} rows, {verdict}"


def load(warehouse: Path, *options: str) -> str:
    """`rare-earth load` as a user runs it; its output, or an error with the output when it failed."""
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse)}
    env.pop("RARE_EARTH_ENGINE", None)
    done = subprocess.run([RARE_EARTH, "load", *options], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"rare-earth load {' '.join(options)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done.stdout + done.stderr


def sample_landing(landing: Path, months: tuple[str, str] | None) -> list[Path]:
    """The bundled sample's files, customs and partner-reported, or those of the months first..last (YYYY-MM) only
    (a partner file holds a year: those of the years the months are in)."""
    written = write_sample_files(landing) + write_partner_sample_files(landing)
    if months is None:
        return written
    kept = []
    for path in written:
        period = path.stem.rsplit("_", 1)[-1]  # YYYY-MM of a customs file, YYYY of a partner file
        if months[0][: len(period)] <= period <= months[1][: len(period)]:
            kept.append(path)
        else:
            path.unlink()
    return kept


def _rounded(column: str, data_type: str) -> str:
    if data_type != "DOUBLE":
        return f'"{column}"'
    digits = f'{SIGNIFICANT_DIGITS} - cast(ceil(log10(abs(nullif("{column}", 0)))) as integer)'
    return f'round("{column}", {digits}) as "{column}"'


def compare_relations(con: duckdb.DuckDBPyConnection, mart: str, duckdb_side: str, spark_side: str) -> MartComparison:
    """Two relations (tables or read_parquet calls) of one mart, compared by columns and then row for row."""
    shapes = [
        con.execute(f"select column_name, column_type from (describe select * from {side})").fetchall()
        for side in (duckdb_side, spark_side)
    ]
    if shapes[0] != shapes[1]:
        return MartComparison(mart, 0, 0, 0, columns_differ=f"DuckDB {shapes[0]} / Spark {shapes[1]}")
    skipped = PUBLISH_MOMENT_COLUMNS.get(mart, ())
    select = ", ".join(_rounded(name, kind) for name, kind in shapes[0] if name not in skipped)
    duck_rows, spark_rows = (f"select {select} from {side}" for side in (duckdb_side, spark_side))
    only_duckdb, only_spark = (
        con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
        for a, b in ((duck_rows, spark_rows), (spark_rows, duck_rows))
    )
    [(rows,)] = con.execute(f"select count(*) from {duckdb_side}").fetchall()
    return MartComparison(mart, int(rows), int(only_duckdb), int(only_spark))


def compare_published(on_duckdb: Warehouse, on_spark: Warehouse) -> list[MartComparison]:
    """Every table of the published marts schema, and its Parquet export."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{on_duckdb.published_db}' as on_duckdb (read_only)")
        con.execute(f"attach '{on_spark.published_db}' as on_spark (read_only)")
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'on_duckdb' and schema_name = ? "
                "order by table_name",
                [MARTS],
            ).fetchall()
        ]
        comparisons = []
        for table in tables:
            published = compare_relations(con, table, f"on_duckdb.{MARTS}.{table}", f"on_spark.{MARTS}.{table}")
            exports = [w.exports_dir / f"{table}.parquet" for w in (on_duckdb, on_spark)]
            exported = compare_relations(con, table, *(f"read_parquet('{path}')" for path in exports))
            if not exported.identical:
                published = MartComparison(
                    table,
                    published.rows,
                    published.only_duckdb,
                    published.only_spark,
                    columns_differ=f"Parquet export: {exported.describe()}",
                )
            comparisons.append(published)
        return comparisons
    finally:
        con.close()


def incremental_marts() -> dict[str, int]:
    """Each incremental mart -> how many months after a run's months it rewrites too (meta rewrites_months_after:
    a mart whose month-on-month and year-on-year changes read the months before)."""
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return {
        node["name"]: int(node["config"].get("meta", {}).get("rewrites_months_after", 0))
        for node in sorted(nodes, key=lambda node: node["name"])
        if node["resource_type"] == "model"
        and node["schema"] == MARTS
        and node["config"]["materialized"] == "incremental"
    }


def months_from(month: str, count: int) -> set[str]:
    """`month` (YYYY-MM) and the `count` months after it, as Spark's partition folders name them."""
    year, number = int(month[:4]), int(month[5:7]) - 1
    return {f"month={year + (number + i) // 12}-{(number + i) % 12 + 1:02d}-01" for i in range(count + 1)}


def rewritten_partitions(before: dict[str, set[str]], after: dict[str, set[str]]) -> set[str]:
    return {partition for partition in before.keys() | after.keys() if before.get(partition) != after.get(partition)}


@dataclass(frozen=True)
class RerunCheck:
    month: str
    rewritten: dict[str, set[str]]  # incremental mart -> partitions rewritten
    partitions: dict[str, int]
    months_after: dict[str, int] = field(default_factory=dict)  # incremental mart -> months after also rewritten
    existing: dict[str, set[str]] = field(default_factory=dict)  # incremental mart -> its partitions after the rerun

    @property
    def only_that_month(self) -> bool:
        """Each mart rewrote that month's partition, and only those of the months after it whose comparisons read
        it (none for most marts)."""
        return all(
            parts == {f"month={self.month}-01"} | (months_from(self.month, self.months_after.get(mart, 0))
                                                   & self.existing.get(mart, set()))
            for mart, parts in self.rewritten.items()
        )  # fmt: skip

    def describe(self) -> list[str]:
        return [
            f"{mart}: {len(parts)} of {self.partitions[mart]} month partitions rewritten "
            f"({', '.join(sorted(parts)) or 'none'})"
            for mart, parts in self.rewritten.items()
        ]


def rerun_one_month(on_duckdb: Warehouse, on_spark: Warehouse, month: str) -> RerunCheck:
    """A revised file of `month` (YYYY-MM) into both warehouses, loaded on each engine: the Spark partitions it
    rewrote."""
    marts = incremental_marts()
    before = {mart: spark_partition_files(on_spark, mart) for mart in marts}
    for warehouse in (on_duckdb, on_spark):
        original = next(warehouse.landing.rglob(f"gacc_exports_{month}.*"))
        original.with_name(f"gacc_exports_{month}_revised{original.suffix}").write_bytes(
            revised_copy(original.read_bytes())
        )
    load(on_duckdb.root)
    load(on_spark.root, "--engine", "spark")
    after = {mart: spark_partition_files(on_spark, mart) for mart in marts}
    return RerunCheck(
        month,
        {mart: rewritten_partitions(before[mart], after[mart]) for mart in marts},
        {mart: len(after[mart]) for mart in marts},
        marts,
        {mart: set(after[mart]) for mart in marts},
    )


def spark_check(
    work: Path, months: tuple[str, str] | None, rerun_month: str
) -> tuple[list[MartComparison], RerunCheck]:
    on_duckdb, on_spark = (Warehouse(work / name).ensure() for name in ("on_duckdb", "on_spark"))
    for warehouse in (on_duckdb, on_spark):
        sample_landing(warehouse.landing, months)
    load(on_duckdb.root)
    load(on_spark.root, "--engine", "spark")
    first = compare_published(on_duckdb, on_spark)
    if not all(c.identical for c in first):
        return first, RerunCheck(rerun_month, {}, {})
    rerun = rerun_one_month(on_duckdb, on_spark, rerun_month)
    return compare_published(on_duckdb, on_spark), rerun


def parse_months(text: str) -> tuple[str, str]:
    first, _, last = text.partition("..")
    return first, last or first


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--months", type=parse_months, help="only the sample's months first..last (YYYY-MM..YYYY-MM)")
    parser.add_argument("--rerun", default="2025-11", help="the month revised and loaded again on Spark")
    parser.add_argument("--work", type=Path, help="folder for the two warehouses (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="spark-check-"))
    try:
        comparisons, rerun = spark_check(work, args.months, args.rerun)
    except RuntimeError as err:
        print(err, file=sys.stderr)
        print("spark-check: a load failed", file=sys.stderr)
        return 1
    for comparison in comparisons:
        print(comparison.describe())
    print(f"rerun of {rerun.month} on Spark (a revised file):")
    for line in rerun.describe():
        print(f"  {line}")
    identical = [c for c in comparisons if c.identical]
    ok = len(identical) == len(comparisons) and rerun.rewritten and rerun.only_that_month
    if args.work is None and ok:
        shutil.rmtree(work, ignore_errors=True)
    rows = sum(c.rows for c in identical)
    if not ok:
        print(
            f"spark-check: {len(comparisons) - len(identical)} of {len(comparisons)} marts differ, or the rerun "
            f"rewrote more than {rerun.month}; the warehouses are in {work}"
        )
        return 1
    print(f"spark-check: {len(identical)} marts identical ({rows:,} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
