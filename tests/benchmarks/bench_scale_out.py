"""Scale-out benchmark: the 10-year full rebuild on DuckDB and on Spark local[2], on the same data, side by side.

    .venv/bin/python tests/benchmarks/bench_scale_out.py          # 100 k rows/month (12.4 M raw lines): 9-11 minutes
    .venv/bin/python tests/benchmarks/bench_scale_out.py --quick  # 10 k rows/month (1.8 M), smoke run: ~4 minutes
    .venv/bin/python tests/benchmarks/bench_scale_out.py --duckdb-memory-limit 2GB  # and DuckDB capped: 2 more

The first run generates the history too: 1.5 minutes more at the default size.

The question (from the project's issue 16): when does moving the dbt build from DuckDB to Spark pay? This
measures, it does not judge: times, peaks and ratios are printed, never compared with a target, and the
script always exits 0.

How it measures:

* The history is bench_incremental.py's: 120 months of synthetic full-customs lines (every 8-digit code x
  its partners x one or two regimes, 2015-11..2025-10) written straight into `raw.customs_lines` with the
  project's DDL, cached in --data-dir (bench-data/, git-ignored) and shared with that benchmark when the
  rows per month agree. The default is a third of that benchmark's full size, so that both builds fit in
  a quarter of an hour on 2 cores (Spark takes 5 to 6 times DuckDB's time at that size).
* One warehouse folder (`WAREHOUSE_DIR`) holds the raw layer twice: the DuckDB build database (a copy of
  the cached file) and the lake, the Parquet copy the `spark` target reads (`raw.flagged_customs_lines`
  partitioned by month in hive folders, and the audit tables), written by the project's lake writer
  (orchestration/loading/lake.py) as a load writes it before a Spark build, every month; untimed.
* Each engine runs `rare-earth-dbt build --full-refresh --exclude-resource-type unit_test` once (--repeats
  for more, alternating), in a subprocess, after an untimed `dbt parse` into the same target folder; the
  DuckDB build starts from the raw-only database, the Spark build from an empty `$WAREHOUSE_DIR/spark`
  (tables, Derby metastore, scratch). Wall time is the subprocess's, from start to exit (dbt's start, the
  JVM's start for Spark, parse state, the build, the tests). CPU time is the kernel's for the process and
  its reaped children (the JVM included).
* Memory: the subprocess and all its descendants (for Spark: the JVM that pyspark starts, and what it
  runs) are sampled every 0.2 s by reading /proc (psutil is not a dependency): the resident set (VmRSS) of
  each, less the forks that have not exec'd yet (their pages are their parent's). The peak of the sum is
  reported, with each process's share at that moment. Shared library pages count once per process: a few
  MB. The script makes itself a child subreaper (prctl), so that the JVM, which exits a moment after the
  dbt process, is still counted and reaped here (its CPU time too) before the next build starts.
* The two builds must give the same marts: per mart, the row count and the sum of every numeric column
  (relative difference under 1e-9) are compared, Spark's tables read from their Parquet files by DuckDB.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helpers next to this script
from bench_incremental import BUILD_DB_NAME, HISTORY_MONTHS, SEED, _copy_db, _month, ensure_history

from orchestration import engines
from orchestration.loading.lake import write_lake as write_lake_months

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO_ROOT / "dbt_project"
DBT = str(Path(sys.executable).with_name("rare-earth-dbt"))

DEFAULT_ROWS_PER_MONTH = 100_000
QUICK_ROWS_PER_MONTH = 10_000
SAMPLE_SECONDS = 0.2
PR_SET_CHILD_SUBREAPER = 36  # prctl(2)
MB = 1_000_000
REL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Engine:
    key: str
    label: str
    target: str  # the dbt target of dbt_project/profiles.yml
    profiles_dir: Path = DBT_PROJECT

    @property
    def on_duckdb(self) -> bool:
        return self.target == "build"


DUCKDB = Engine("duckdb", "DuckDB", "build")
SPARK = Engine("spark", "Spark local[2]", "spark")
CAPPED = "duckdb-capped"  # DuckDB with a memory_limit (--duckdb-memory-limit): a profiles.yml of its own


def capped_profiles(work: Path, limit: str) -> Path:
    """A copy of the project's profiles.yml whose DuckDB target sets `memory_limit` (dbt-duckdb's `settings`)."""
    import yaml

    profiles = yaml.safe_load((DBT_PROJECT / "profiles.yml").read_text())
    profiles["rare_earth"]["outputs"]["build"].setdefault("settings", {})["memory_limit"] = limit
    folder = work / "profiles-capped"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles))
    return folder


# --- the lake ------------------------------------------------------------------------------------------


def write_lake(build_db: Path, lake: Path) -> int:
    """The raw layer and the audit trail as the Parquet files the `spark` target reads (lake_sources.sql), written
    by the project's own lake writer as a load writes them before a build: every month. Returns the lines written."""
    shutil.rmtree(lake, ignore_errors=True)
    con = duckdb.connect(str(build_db))
    try:
        return write_lake_months(con, lake, None, None).rows
    finally:
        con.close()


# --- memory of a process tree --------------------------------------------------------------------------


def _descendants(root: int) -> dict[int, int]:
    """Every process below `root`, with its parent, from the parent pids in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may hold spaces; the parent pid follows the state.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: dict[int, int] = {}
    todo = [(child, root) for child in children.get(root, [])]
    while todo:
        pid, parent = todo.pop()
        found[pid] = parent
        todo.extend((child, pid) for child in children.get(pid, []))
    return found


def _identity(pid: int) -> tuple[str, bytes] | None:
    """The program a process runs: its executable and command line."""
    try:
        return os.readlink(f"/proc/{pid}/exe"), Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def _rss(pid: int) -> tuple[str, int] | None:
    """(command name, resident set in bytes) of a live process, None once it is gone. VmRSS is a counter the
    kernel keeps: reading it costs microseconds, where smaps_rollup (PSS) walks every page of a 10 GB process
    (80 ms of CPU here) under the lock its page faults need, and slowed the build it measured."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    kib = fields.get("VmRSS", "0 kB").split()[0]  # a zombie has no VmRSS
    return fields.get("Name", "?").strip(), int(kib) * 1024


def tree_rss(root: int) -> tuple[dict[str, int], int]:
    """The resident memory of every process below `root`, summed by command name; and how many processes.

    A fork that has not exec'd yet (same executable and command line as its parent) is left out: its pages are
    its parent's, shared copy-on-write, and RSS would count them twice. The JVM forks for each shell command that
    Hadoop's file system runs; such a child is named after the forking thread ('Executor task l') until it execs.
    """
    parents = _descendants(root)
    split: dict[str, int] = {}
    for pid, parent in parents.items():
        identity = _identity(pid)
        if parent in parents and identity is not None and identity == _identity(parent):
            continue
        found = _rss(pid)
        if found is not None:
            split[found[0]] = split.get(found[0], 0) + found[1]
    return split, len(parents)


def become_subreaper() -> bool:
    """Orphans of our children become ours, not init's: pyspark's JVM outlives the dbt process that started it
    by a moment, and is then reaped here, so that its CPU time is counted and it is gone before the next build."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


class TreeSampler(threading.Thread):
    """Samples the summed RSS of every process below this one (the build and its children) until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.peak_split: dict[str, int] = {}  # command name -> bytes, at the peak
        self.processes = 0  # the most processes seen at once
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            split, processes = tree_rss(os.getpid())
            total = sum(split.values())
            if total > self.peak:
                self.peak, self.peak_split = total, split
            self.processes = max(self.processes, processes)
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def reap_orphans(deadline_s: float) -> tuple[float, float]:
    """Waits for every remaining child (the orphans this subreaper adopted); (CPU seconds, seconds waited)."""
    started = time.perf_counter()
    cpu = 0.0
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            cpu += usage.ru_utime + usage.ru_stime
            continue
        if time.perf_counter() - started > deadline_s:
            left = list(_descendants(os.getpid()))
            print(f"    processes still running {deadline_s:.0f} s after the build: {left}; terminating them")
            for child in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)
            deadline_s += 30
        time.sleep(0.05)
    return cpu, time.perf_counter() - started


# --- dbt ----------------------------------------------------------------------------------------------


@dataclass
class Build:
    engine: str
    seconds: float
    cpu_seconds: float
    peak_bytes: int
    peak_split: dict[str, int]
    processes: int
    returncode: int
    statuses: dict[str, int]
    log: Path
    after_seconds: float  # from the dbt process's exit until its last child (the JVM) had exited too

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def split(self) -> str:
        """The processes at the peak, by command name, largest first (those under 10 MB left out)."""
        shown = sorted(((s, n) for n, s in self.peak_split.items() if s >= 10 * MB), reverse=True)
        return " + ".join(f"{name} {size / MB:,.0f}" for size, name in shown) or "-"


def _dbt(args: list[str], engine: Engine, target_path: Path) -> list[str]:
    return [
        DBT, *args, "--target", engine.target, "--project-dir", str(DBT_PROJECT),
        "--profiles-dir", str(engine.profiles_dir), "--target-path", str(target_path),
        "--log-path", str(target_path / "logs"),
    ]  # fmt: skip


def run_build(engine: Engine, warehouse: Path, raw_db: Path, work: Path, label: str) -> Build:
    """One full rebuild on `engine`, from the raw layer only; timed and sampled as a whole process tree."""
    if engine.on_duckdb:
        _copy_db(raw_db, warehouse)  # the raw layer alone: the marts of an earlier run are gone
    else:
        shutil.rmtree(warehouse / "spark", ignore_errors=True)  # tables, metastore and scratch of an earlier run
    target_path = work / f"target-{engine.key}"
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if not (target_path / "partial_parse.msgpack").exists():
        subprocess.run(_dbt(["parse"], engine, target_path), env=env, capture_output=True, check=False)
    reap_orphans(deadline_s=30)  # what the parse left behind is not the build's
    results = target_path / "run_results.json"
    results.unlink(missing_ok=True)
    log = work / f"{label}.log"
    command = _dbt(["build", "--full-refresh", "--exclude-resource-type", "unit_test"], engine, target_path)
    with log.open("wb") as out:
        sampler = TreeSampler()
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=work)
        sampler.start()
        # wait4: the dbt process's rusage, its own reaped children included.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        orphan_cpu, after = reap_orphans(deadline_s=120)
        sampler.stop()
    returncode = process.returncode = os.waitstatus_to_exitcode(status)
    statuses: dict[str, int] = {}
    if results.exists():
        for result in json.loads(results.read_text())["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    build = Build(
        engine.key,
        seconds,
        usage.ru_utime + usage.ru_stime + orphan_cpu,
        sampler.peak,
        sampler.peak_split,
        sampler.processes,
        returncode,
        statuses,
        log,
        after,
    )
    summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    note = "" if build.ok else f"  FAILED (exit {returncode}), see {log}"
    print(
        f"  {label:<14} {seconds:8.1f} s  CPU {build.cpu_seconds:7.1f} s  peak {sampler.peak / MB:7,.0f} MB "
        f"(MB: {build.split()}; {sampler.processes} processes at most; {after:.1f} s until the last one exited)"
        f"  ({summary}){note}",
        flush=True,
    )
    if not build.ok:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        print("\n".join("      " + line for line in tail), flush=True)
    return build


# --- the marts, compared ---------------------------------------------------------------------------------


@dataclass
class MartFacts:
    rows: int
    sums: dict[str, float | None] = field(default_factory=dict)


def _numeric_columns(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'duck' and schema_name = 'marts' "
            "and table_name = ? and (data_type like 'DECIMAL%' or data_type in "
            "('DOUBLE', 'FLOAT', 'BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT')) order by column_index",
            [mart],
        ).fetchall()
    ]


def _facts(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> MartFacts:
    sums = ", ".join(f"sum({column})::double" for column in columns)
    row = con.execute(f"select count(*){', ' + sums if sums else ''} from {relation}").fetchone()
    assert row is not None
    return MartFacts(int(row[0]), dict(zip(columns, row[1:], strict=True)))


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= REL_TOLERANCE * max(abs(a), abs(b), 1.0)


def compare_marts(warehouse: Path) -> tuple[list[tuple[str, int, int, list[str]]], bool]:
    """Per mart: rows on DuckDB, rows on Spark, the numeric columns whose sums differ."""
    tables = warehouse / "spark" / "tables" / "marts.db"
    con = duckdb.connect()
    rows: list[tuple[str, int, int, list[str]]] = []
    try:
        con.execute(f"attach '{warehouse / 'build' / BUILD_DB_NAME}' as duck (read_only)")
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'duck' and schema_name = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        for mart in marts:
            columns = _numeric_columns(con, mart)
            duck = _facts(con, f"duck.marts.{mart}", columns)
            files = sorted((tables / mart).rglob("*.parquet"))
            if not files:
                rows.append((mart, duck.rows, 0 if (tables / mart).is_dir() else -1, []))
                continue
            spark = _facts(
                con, f"read_parquet({[str(f) for f in files]}, hive_partitioning = true, union_by_name = true)", columns
            )
            differing = [c for c in columns if not _same(duck.sums[c], spark.sums[c])]
            rows.append((mart, duck.rows, spark.rows, differing))
    finally:
        con.close()
    same = bool(rows) and all(duck == spark and not differing for _, duck, spark, differing in rows)
    return rows, same


# --- main ------------------------------------------------------------------------------------------------


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def versions() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    def version(name: str) -> str:
        try:
            return installed(name)
        except PackageNotFoundError:
            return "not installed"

    java = (
        subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr.splitlines()
        if shutil.which("java")
        else []
    )
    return (
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}, dbt-core {version('dbt-core')}, "
        f"dbt-duckdb {version('dbt-duckdb')}, dbt-spark {version('dbt-spark')}, pyspark {version('pyspark')}, "
        f"{java[0] if java else 'no java'}; {os.cpu_count()} CPUs, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, {platform.machine()}"
    )


def spark_missing() -> str | None:
    """What the Spark engine lacks on this machine, in the words `rare-earth load --engine spark` would use."""
    try:
        engines.ensure_available(engines.Engine.SPARK)
    except engines.EngineUnavailable as err:
        return str(err)
    return None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rows-per-month", type=int, default=None, help=f"raw lines per month (default {DEFAULT_ROWS_PER_MONTH:,})"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_ROWS_PER_MONTH:,} rows per month unless told"
    )
    parser.add_argument("--repeats", type=int, default=1, help="full rebuilds per engine, alternating (default 1)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO_ROOT / "bench-data",
        help="cache of the generated history and scratch space (default bench-data/)",
    )
    parser.add_argument(
        "--duckdb-memory-limit",
        metavar="LIMIT",
        help="also build on DuckDB with this memory_limit (e.g. 2GB; the profile sets none: 80%% of the memory)",
    )
    parser.add_argument(
        "--engines",
        default=None,
        help=f"comma-separated, from {DUCKDB.key}, {CAPPED} (with --duckdb-memory-limit), {SPARK.key} "
        "(default: all of them); the marts are compared when DuckDB and Spark both ran",
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the warehouse folder (both builds, the lake)")
    parser.add_argument("--seed", type=int, default=SEED)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows_per_month = args.rows_per_month or (QUICK_ROWS_PER_MONTH if args.quick else DEFAULT_ROWS_PER_MONTH)
    data_dir = args.data_dir.resolve()
    started = time.perf_counter()
    print("Scale-out benchmark: the 10-year full rebuild on DuckDB and on Spark local[2], same data")
    print(versions())
    print(f"Load average at the start: {_load()}")
    missing = spark_missing()
    if missing:
        print(f"SPARK NOT MEASURED: {missing}. Nothing else to compare: exit 0.")
        return 0

    if not become_subreaper():
        print("(could not become a child subreaper: the CPU time of a JVM that outlives its dbt process is missed)")
    history = ensure_history(data_dir, rows_per_month, args.seed)
    raw_rows = history.rows["long"]
    work = data_dir / "scale-out-work"
    shutil.rmtree(work, ignore_errors=True)
    warehouse = work / "warehouse"
    build_db = _copy_db(history.long_db, warehouse)
    lake = warehouse / "lake"
    lake_started = time.perf_counter()
    lake_rows = write_lake(build_db, lake)
    lake_seconds = time.perf_counter() - lake_started
    months = f"{HISTORY_MONTHS} months, {_month(0):%Y-%m}..{_month(HISTORY_MONTHS - 1):%Y-%m}"
    print(
        f"Size: {raw_rows:,} raw lines ({months}; ~{rows_per_month:,} lines a month requested, "
        f"bench_incremental.py's full size is 300,000). Raw layer: DuckDB file {_size(history.long_db) / MB:,.0f} MB; "
        f"lake {_size(lake) / MB:,.0f} MB of Parquet ({lake_rows:,} lines), written in {lake_seconds:.1f} s "
        f"(untimed). Work: {work}",
        flush=True,
    )
    if lake_rows != raw_rows:
        print(f"THE LAKE HOLDS {lake_rows:,} LINES, the raw layer {raw_rows:,}: the engines do not read the same data")

    engines = [DUCKDB, SPARK]
    if args.duckdb_memory_limit:
        limit = args.duckdb_memory_limit
        engines.insert(1, Engine(CAPPED, f"DuckDB, {limit}", "build", capped_profiles(work, limit)))
    if args.engines:
        chosen = {name.strip() for name in args.engines.split(",")}
        engines = [engine for engine in engines if engine.key in chosen]

    print("\nFull rebuilds: `rare-earth-dbt build --full-refresh --exclude-resource-type unit_test`")
    builds: dict[str, list[Build]] = {engine.key: [] for engine in engines}
    for repeat in range(max(args.repeats, 1)):
        for engine in engines:
            builds[engine.key].append(run_build(engine, warehouse, history.long_db, work, f"{engine.key}-{repeat + 1}"))

    ok = all(b.ok for runs in builds.values() for b in runs)
    seconds = {e: _median([b.seconds for b in runs if b.ok]) for e, runs in builds.items()}
    cpu = {e: _median([b.cpu_seconds for b in runs if b.ok]) for e, runs in builds.items()}
    peak = {e: max((b.peak_bytes for b in runs if b.ok), default=0) / MB for e, runs in builds.items()}
    print(
        f"\nFull rebuild of the 10-year history, {raw_rows:,} raw lines ({'median of ' if args.repeats > 1 else ''}"
        f"{max(args.repeats, 1)} run{'s' if args.repeats > 1 else ''} per engine; peak = summed RSS of the dbt "
        "process and its children, sampled from /proc every 0.2 s)"
    )
    print(
        f"  {'engine':<22} {'raw rows':>12} {'wall s':>9} {'CPU s':>9} {'peak memory':>13}   at the peak, MB by process"
    )
    for engine in engines:
        last = builds[engine.key][-1]
        print(
            f"  {engine.label:<22} {raw_rows:>12,} {seconds[engine.key]:>9.1f} {cpu[engine.key]:>9.1f} "
            f"{peak[engine.key]:>10,.0f} MB   {last.split() if last.ok else 'FAILED'}"
        )
    ratios: dict[str, dict[str, float]] = {}
    if DUCKDB.key in builds:
        for engine in engines:
            if engine.key == DUCKDB.key:
                continue
            ratio = ratios[f"{engine.key}/{DUCKDB.key}"] = {
                "wall": seconds[engine.key] / seconds[DUCKDB.key],
                "cpu": cpu[engine.key] / cpu[DUCKDB.key],
                "peak": peak[engine.key] / peak[DUCKDB.key] if peak[DUCKDB.key] else float("nan"),
            }
            name = "Spark / DuckDB" if engine is SPARK else f"{engine.label} / DuckDB"
            print(
                f"  {name:<22} {'':>12} {ratio['wall']:>8.2f}x {ratio['cpu']:>8.2f}x {ratio['peak']:>12.2f}x"
                "   (a ratio, not a target)"
            )

    marts: list[tuple[str, int, int, list[str]]] = []
    same = False
    duckdb_builds = [runs for key, runs in builds.items() if key != SPARK.key]
    if duckdb_builds and SPARK.key in builds:
        print("\nSame marts? Per mart: rows on each engine, and the sums of its numeric columns")
        if duckdb_builds[-1][-1].ok and builds[SPARK.key][-1].ok:
            marts, same = compare_marts(warehouse)
        for mart, duck_rows, spark_rows, differing in marts:
            verdict = "same" if duck_rows == spark_rows and not differing else "DIFFERENT"
            detail = f"; sums differ: {', '.join(differing)}" if differing else ""
            spark_text = "missing" if spark_rows < 0 else f"{spark_rows:,}"
            print(f"  {mart:<28} DuckDB {duck_rows:>12,}  Spark {spark_text:>12}  {verdict}{detail}")
        print(f"  {'every mart the same' if same else 'THE MARTS DIFFER (or a build failed)'}")

    report = {
        "rows_per_month": rows_per_month,
        "raw_rows": raw_rows,
        "lake_bytes": _size(lake),
        "lake_seconds": lake_seconds,
        "builds": {
            engine: [
                {
                    "seconds": b.seconds,
                    "cpu_seconds": b.cpu_seconds,
                    "peak_bytes": b.peak_bytes,
                    "peak_split": b.peak_split,
                    "returncode": b.returncode,
                    "statuses": b.statuses,
                }
                for b in runs
            ]
            for engine, runs in builds.items()
        },
        "ratios": ratios,
        "marts": marts,
        "marts_same": same,
        "all_ok": ok,
    }
    runs_dir = data_dir / "scale-out-runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    out = runs_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-rows{rows_per_month}.json"
    out.write_text(json.dumps(report, indent=1))
    if not args.keep_work:
        shutil.rmtree(warehouse, ignore_errors=True)
    print(
        f"\nResults: {out}; dbt logs in {work}. Total {time.perf_counter() - started:.0f} s; load average {_load()}. "
        "A measurement, not a test: the exit status is 0."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
