"""Incremental dbt benchmark: one new month built on 10 years of full-customs history vs on 1 year.

    .venv/bin/python tests/benchmarks/bench_incremental.py            # 300 k rows/month (36 M rows of history)
    .venv/bin/python tests/benchmarks/bench_incremental.py --quick    # 20 k rows/month, smoke run (~2-3 min)

The question (from the project's issue): with 10 years of history at full-customs size loaded, does
building one new month incrementally cost the same as with 1 year of history? Target: the 10-year
incremental build takes at most 1.2x the 1-year one. The full rebuild at both sizes is reported too.

How it measures:

* History is synthetic and written straight into `raw.customs_lines` with DuckDB SQL (the project's
  own DDL, `ensure_schema`), one month after the other, exports then imports, like one loaded file per
  flow and month: every 8-digit code of the 2023 list (tests/benchmarks/synthetic.py's vocabulary) ×
  the partners it trades with × one or two customs regimes, Chinese names, first unit of the code
  (so about a third of lines are in another unit than kilograms, as in the real files). The
  rare-earth codes (85051110, 280530xx, 2846xxxx, 72029991) trade with at least 40 partners in both
  flows, the US among them. The loader itself is not run: this benchmark is about dbt (the ingest
  benchmark, bench_ingest.py, measures the loader). Three DuckDB files are cached in --data-dir
  (bench-data/, git-ignored): 120 months of history, the last 12 of them alone, and the new month.
* Per history size, the raw file is copied and fully built once:
  `dbt build --full-refresh` (timed: the "full rebuild"); the built file is kept as a snapshot.
* Then, alternating 10 y / 1 y (A B A B ..., --repeats times, median reported): copy the snapshot
  fresh, insert the new month's raw lines (SQL, timed apart), and time
  `dbt build --vars '{month_start: "2025-11-01", month_end: "2025-11-01"}'`, the command the Dagster
  job runs (data tests and unit tests included: unit tests are a constant cost, visible per node).
  Unless --no-run, the same is repeated with `dbt run --vars ...` (models only, no tests).
* Times are wall-clock seconds of the dbt process (start-up, parse and the database's checkpoint on
  close included). Each target folder (one per size and command) gets an untimed `dbt parse` with the
  same arguments before its first timed run, so that every timed run starts from a warm partial-parse
  state, as a user's repeated runs do.
  Per node (model, seed, data test, unit test) `execution_time` comes from dbt's run_results.json.

This is a measurement, not a test: it prints PASS/MISS against the target and always exits 0. The
per-node table shows which node's cost grows with history; nothing in the dbt project is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.build_database import ensure_schema

sys.path.insert(0, str(Path(__file__).resolve().parent))  # synthetic.py, the helper next to this script
from synthetic import MISSING, Vocabulary, load_vocabulary

REPO_ROOT = Path(__file__).resolve().parents[2]

DBT_PROJECT = REPO_ROOT / "dbt_project"
DBT = str(Path(sys.executable).with_name("dbt"))
BUILD_DB_NAME = "rare_earth_build.duckdb"  # Warehouse.build_db: <WAREHOUSE_DIR>/build/rare_earth_build.duckdb

GENERATOR_VERSION = 1  # bump when the generated rows change: the cache folder carries it in its name
SEED = 20251101
DEFAULT_ROWS_PER_MONTH = 300_000
QUICK_ROWS_PER_MONTH = 20_000
NEW_MONTH = date(2025, 11, 1)
HISTORY_MONTHS = 120  # 10 years before NEW_MONTH: 2015-11 .. 2025-10
SHORT_MONTHS = 12  # the comparison: the last year of it, 2024-11 .. 2025-10
TARGET_RATIO = 1.2

# The synthetic trade network.
PRESENCE = 0.9  # share of a (flow, code, partner, regime) line's months in which it trades
EXTRA_REGIME_SHARE = 0.2  # share of (flow, code, partner) pairs traded under a second customs regime
RARE_EARTH_PARTNERS = 40  # the rare-earth codes trade with at least this many partners, in both flows
US = "502"
FLOWS = ("export", "import")

# A node whose incremental time at 10 years exceeds this ratio to 1 year (and by GROWTH_MIN_S) is reported.
GROWTH_RATIO = 1.2
GROWTH_MIN_S = 0.2


# --- synthetic history ----------------------------------------------------------------------------------


def _month(index: int) -> date:
    """Month `index` of the series: 0 is the first month of the 10 years, HISTORY_MONTHS the new month."""
    first = NEW_MONTH.year * 12 + NEW_MONTH.month - 1 - HISTORY_MONTHS
    return date((first + index) // 12, (first + index) % 12 + 1, 1)


def _is_rare_earth(code: str) -> bool:
    return code == "85051110" or code.startswith("280530") or code.startswith("2846") or code == "72029991"


def trade_network(vocab: Vocabulary, rows_per_month: int, seed: int) -> pa.Table:
    """Every line that may appear in a month: (flow, code, partner, regime), in file order, seeded.

    Partners per code follow a skewed distribution (a few codes trade with most of the world, many
    with a handful); big partners are chosen more often. About `rows_per_month` lines trade per month.
    """
    rng = np.random.default_rng(seed)
    n_codes, n_partners, n_regimes = len(vocab.hs_codes), len(vocab.partner_codes), len(vocab.regime_codes)
    partner_weight = rng.pareto(1.2, n_partners) + 0.05
    partner_weight /= partner_weight.sum()
    regime_weight = np.full(n_regimes, 0.4 / max(n_regimes - 1, 1))
    regime_weight[0] = 0.6  # one dominant regime (general trade)
    regime_weight /= regime_weight.sum()
    code_weight = rng.lognormal(0.0, 1.0, n_codes)
    code_weight /= code_weight.mean()
    rare = np.array([_is_rare_earth(c) for c in vocab.hs_codes])
    us = vocab.partner_codes.index(US)
    mean_partners = rows_per_month / (len(FLOWS) * n_codes * PRESENCE * (1 + EXTRA_REGIME_SHARE))

    flows: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    partners: list[np.ndarray] = []
    for flow_index in range(len(FLOWS)):
        counts = np.minimum(rng.poisson(mean_partners * code_weight), n_partners)
        counts[rare] = np.maximum(counts[rare], min(RARE_EARTH_PARTNERS, n_partners))
        for code in np.flatnonzero(counts):
            chosen = rng.choice(n_partners, int(counts[code]), replace=False, p=partner_weight)
            if rare[code] and us not in chosen:
                chosen[0] = us
            partners.append(np.sort(chosen))
            codes.append(np.full(len(chosen), code))
            flows.append(np.full(len(chosen), flow_index))
    flow, code, partner = np.concatenate(flows), np.concatenate(codes), np.concatenate(partners)
    regime = rng.choice(n_regimes, len(flow), p=regime_weight)
    second = rng.random(len(flow)) < EXTRA_REGIME_SHARE
    other_regime = (regime[second] + 1 + rng.integers(0, n_regimes - 1, int(second.sum()))) % n_regimes
    flow = np.concatenate([flow, flow[second]])
    code = np.concatenate([code, code[second]])
    partner = np.concatenate([partner, partner[second]])
    regime = np.concatenate([regime, other_regime])
    order = np.lexsort((regime, partner, code, flow))
    return pa.table(
        {
            "key_id": np.arange(len(order), dtype=np.int64),
            "flow": pa.array([FLOWS[i] for i in flow[order]]),
            "code_idx": code[order].astype(np.int32),
            "partner_idx": partner[order].astype(np.int32),
            "regime_idx": regime[order].astype(np.int32),
        }
    )


def _vocabulary_tables(vocab: Vocabulary) -> dict[str, pa.Table]:
    def text(values: list[str]) -> list[str | None]:
        return [None if v in ("", MISSING) else v for v in values]

    return {
        "bench_codes": pa.table(
            {
                "code_idx": np.arange(len(vocab.hs_codes), dtype=np.int32),
                "hs_code": vocab.hs_codes,
                "commodity_name": vocab.commodity["zh"],
                "unit": text(vocab.unit_1["zh"]),
                "unit_2": text(vocab.unit_2["zh"]),
            }
        ),
        "bench_partners": pa.table(
            {
                "partner_idx": np.arange(len(vocab.partner_codes), dtype=np.int32),
                "partner_code": vocab.partner_codes,
                "partner_name": vocab.partner["zh"],
            }
        ),
        "bench_regimes": pa.table(
            {
                "regime_idx": np.arange(len(vocab.regime_codes), dtype=np.int32),
                "regime_code": vocab.regime_codes,
                "regime_name": vocab.regime["zh"],
            }
        ),
    }


# Uniform (0, 1) from a hash, and a standard normal from two of them (Box-Muller): deterministic amounts.
_MACROS = """
create or replace temp macro bench_uniform(h) as ((h % 1000000) + 0.5) / 1000000.0;
create or replace temp macro bench_normal(h1, h2) as
    sqrt(-2 * ln(bench_uniform(h1))) * cos(2 * pi() * bench_uniform(h2));
create or replace temp macro bench_amount(mu, sigma, z) as
    cast(round(least(9e11, greatest(1, exp(mu + sigma * z))), 0) as decimal(18, 3));
"""

# One month: the lines of the network that trade that month, exports then imports, numbered per file.
_INSERT_MONTH = """
insert into raw.customs_lines by name
select
    k.flow as flow, cast($month as date) as month, 1 as period_months, c.hs_code as hs_code,
    c.commodity_name as commodity_name, p.partner_code as partner_code, p.partner_name as partner_name,
    r.regime_code as regime_code, r.regime_name as regime_name,
    bench_amount(7.0, 2.5, bench_normal(hash(k.key_id, $idx, 1), hash(k.key_id, $idx, 2))) as quantity_kg,
    c.unit as unit,
    case when c.unit_2 is not null
        then bench_amount(5.0, 2.0, bench_normal(hash(k.key_id, $idx, 3), hash(k.key_id, $idx, 4))) end as quantity_2,
    c.unit_2 as unit_2,
    bench_amount(9.0, 2.5, bench_normal(hash(k.key_id, $idx, 5), hash(k.key_id, $idx, 6))) as value_usd,
    k.flow || 's/' || strftime(cast($month as date), '%Y') || '/gacc_' || k.flow || 's_'
        || strftime(cast($month as date), '%Y-%m') || '.csv' as source_file,
    sha256(k.flow || strftime(cast($month as date), '%Y-%m')) as source_sha256,
    row_number() over (partition by k.flow order by k.key_id) as row_number,
    2 * $idx + (k.flow = 'import')::integer + 1 as vintage,
    cast($month as date) + interval 40 days as loaded_at,
    'month' as period_kind
from bench_keys as k
join bench_codes as c using (code_idx)
join bench_partners as p using (partner_idx)
join bench_regimes as r using (regime_idx)
where hash(k.key_id, $idx) % 1000 < $presence
order by k.key_id
"""

_AUDIT_MONTH = """
insert into audit.files (file_name, sha256, flow, months, rows, status, reason, vintage, seen_at, size_bytes,
                         mtime_ns, encoding, header_language, currencies)
select source_file, any_value(source_sha256), flow, strftime(month, '%Y-%m'), count(*), 'loaded', null,
       any_value(vintage), any_value(loaded_at), count(*) * 150, 0, 'gb18030', 'zh', 'USD'
from raw.customs_lines
where month = cast($month as date)
group by source_file, flow, month
order by flow
"""


def write_months(db: Path, vocab: Vocabulary, network: pa.Table, months: range) -> int:
    """A DuckDB file with the project's raw schema and the synthetic lines of `months` (indexes)."""
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        ensure_schema(con)
        con.execute(_MACROS)
        for name, table in {"bench_keys": network, **_vocabulary_tables(vocab)}.items():
            con.register(f"{name}_arrow", table)
            con.execute(f"create temp table {name} as select * from {name}_arrow")
            con.unregister(f"{name}_arrow")
        for idx in months:
            params = {"month": _month(idx), "idx": idx, "presence": round(PRESENCE * 1000)}
            con.execute(_INSERT_MONTH, params)
            con.execute(_AUDIT_MONTH, {"month": params["month"]})
        # The vintage sequence continues after the files, as if the loader had written them.
        last_vintage = 2 * months[-1] + 2
        con.execute(f"select max(nextval('audit.vintage_seq')) from range({last_vintage})")
        [(rows,)] = con.execute("select count(*) from raw.customs_lines").fetchall()
        con.execute("checkpoint")
    finally:
        con.close()
    return int(rows)


@dataclass(frozen=True)
class History:
    folder: Path
    rows_per_month: int
    long_db: Path  # HISTORY_MONTHS months
    short_db: Path  # the last SHORT_MONTHS of them
    new_month_db: Path  # NEW_MONTH only
    rows: dict[str, int]


def ensure_history(data_dir: Path, rows_per_month: int, seed: int) -> History:
    """The three raw DuckDB files, generated once and cached (a done.json marks a complete set)."""
    folder = data_dir / f"incremental-v{GENERATOR_VERSION}-rows{rows_per_month}-seed{seed}"
    files = {"long": "raw_10y.duckdb", "short": "raw_1y.duckdb", "new": "raw_new_month.duckdb"}
    paths = [folder / files[k] for k in ("long", "short", "new")]
    marker = folder / "done.json"
    if marker.exists():
        meta = json.loads(marker.read_text())
        if all(p.exists() and p.stat().st_size == meta["sizes"].get(p.name) for p in paths):
            return History(folder, rows_per_month, *paths, rows=meta["rows"])
    folder.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    start = time.perf_counter()
    print(f"Generating synthetic history in {folder} (once; cached) ...", flush=True)
    vocab = load_vocabulary()
    network = trade_network(vocab, rows_per_month, seed)
    print(f"  trade network: {network.num_rows:,} possible lines per month", flush=True)
    ranges = {
        "long": range(HISTORY_MONTHS),
        "short": range(HISTORY_MONTHS - SHORT_MONTHS, HISTORY_MONTHS),
        "new": range(HISTORY_MONTHS, HISTORY_MONTHS + 1),
    }
    rows = {}
    for key in ("new", "short", "long"):
        part = folder / (files[key] + ".part")
        rows[key] = write_months(part, vocab, network, ranges[key])
        part.replace(folder / files[key])
        print(f"  {files[key]}: {rows[key]:,} rows ({time.perf_counter() - start:.0f} s)", flush=True)
    sizes = {name: (folder / name).stat().st_size for name in files.values()}
    marker.write_text(json.dumps({"rows": rows, "sizes": sizes, "network_lines": network.num_rows}, indent=1))
    return History(folder, rows_per_month, *paths, rows=rows)


# --- dbt ----------------------------------------------------------------------------------------------


@dataclass
class DbtRun:
    label: str
    seconds: float
    returncode: int
    elapsed: float  # dbt's own elapsed_time
    nodes: dict[str, float]  # unique_id -> execution_time
    statuses: dict[str, str]  # unique_id -> status
    log: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def status_summary(self) -> str:
        counts: dict[str, int] = {}
        for status in self.statuses.values():
            counts[status] = counts.get(status, 0) + 1
        return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


def _copy_db(source: Path, warehouse: Path) -> Path:
    target = warehouse / "build" / BUILD_DB_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    # A cache written by an older schema is migrated the way a real warehouse is (untimed).
    con = duckdb.connect(str(target))
    try:
        ensure_schema(con)
    finally:
        con.close()
    return target


def _dbt_command(args: list[str], target: Path, logs: Path) -> list[str]:
    return [
        DBT, *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(target), "--log-path", str(logs),
    ]  # fmt: skip


def run_dbt(label: str, args: list[str], warehouse: Path, target: Path, parse_args: list[str]) -> DbtRun:
    """An untimed `dbt parse` (warm partial parse), then the timed invocation; nodes from run_results.json."""
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    logs = target.parent / f"{target.name}-logs"
    log = target.parent / f"{label}.log"
    if not (target / "partial_parse.msgpack").exists():  # later runs find the state the previous one left
        subprocess.run(
            _dbt_command(["parse", *parse_args], target, logs), cwd=REPO_ROOT, env=env, capture_output=True, check=False
        )
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.run(_dbt_command(args, target, logs), cwd=REPO_ROOT, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    log.write_bytes(proc.stdout + proc.stderr)
    nodes: dict[str, float] = {}
    statuses: dict[str, str] = {}
    elapsed = float("nan")
    if results_file.exists():
        results = json.loads(results_file.read_text())
        elapsed = float(results.get("elapsed_time", float("nan")))
        for result in results["results"]:
            nodes[result["unique_id"]] = float(result["execution_time"])
            statuses[result["unique_id"]] = str(result["status"])
    run = DbtRun(label, seconds, proc.returncode, elapsed, nodes, statuses, log)
    note = "" if run.ok else f"  FAILED (exit {proc.returncode}), see {log}"
    print(f"  {label:<28} {seconds:8.1f} s   ({run.status_summary()}){note}", flush=True)
    if not run.ok:
        tail = (proc.stdout + proc.stderr).decode(errors="replace").strip().splitlines()[-15:]
        print("\n".join("      " + line for line in tail), flush=True)
    return run


def insert_new_month(build_db: Path, new_month_db: Path) -> float:
    """The new month's raw lines into a built warehouse, as one committed load would leave them."""
    start = time.perf_counter()
    con = duckdb.connect(str(build_db))
    try:
        con.execute(f"attach '{new_month_db}' as new_month (read_only)")
        # By name: a cache written before a column was added leaves it to its default.
        con.execute("insert into raw.customs_lines by name select * from new_month.raw.customs_lines")
        con.execute("insert into audit.files by name select * from new_month.audit.files")
        con.execute("detach new_month")
    finally:
        con.close()
    return time.perf_counter() - start


# --- the benchmark --------------------------------------------------------------------------------------


@dataclass
class Size:
    key: str  # '10y' | '1y'
    label: str
    raw_db: Path
    raw_rows: int
    warehouse: Path
    snapshot: Path
    full: list[DbtRun] = field(default_factory=list)
    build: list[DbtRun] = field(default_factory=list)
    run: list[DbtRun] = field(default_factory=list)
    inserts: list[float] = field(default_factory=list)
    fct_rows: int = 0


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _stats(runs: list[DbtRun]) -> str:
    ok = [r.seconds for r in runs if r.ok]
    if not ok:
        return "FAILED" if runs else "-"
    failed = f" ({len(runs) - len(ok)} failed)" if len(ok) < len(runs) else ""
    return f"{_median(ok):7.1f} {min(ok):7.1f} {max(ok):7.1f}{failed}"


def _node_median(runs: list[DbtRun], unique_id: str) -> float:
    return _median([r.nodes[unique_id] for r in runs if r.ok and unique_id in r.nodes])


def _short_name(unique_id: str) -> str:
    kind, _, rest = unique_id.partition(".")
    name = rest.partition(".")[2]
    if kind == "test":
        name = name.rsplit(".", 1)[0]  # drop the hash suffix of a generic test
    elif kind == "unit_test":
        name = name.split(".", 1)[-1]
    label = {"model": "model", "seed": "seed", "test": "test", "unit_test": "unit"}.get(kind, kind)
    return f"{label:<5} {name}"


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def print_summary(sizes: list[Size], repeats: int) -> None:
    long, short = sizes
    print(
        "\nWall-clock seconds of the dbt process (median / min / max); incremental = the new month "
        f"{NEW_MONTH:%Y-%m} only, {repeats} repeats alternating"
    )
    header = (
        f"  {'history':<22} {'raw rows':>12} {'fct rows':>12}   {'full rebuild':>23}   "
        f"{'incremental dbt build':>23}   {'incremental dbt run':>23}"
    )
    print(header)
    print(f"  {'':<22} {'':>12} {'':>12}   " + "   ".join(f"{'median':>7} {'min':>7} {'max':>7}" for _ in range(3)))
    for s in sizes:
        print(
            f"  {s.label:<22} {s.raw_rows:>12,} {s.fct_rows:>12,}   {_stats(s.full):>23}   "
            f"{_stats(s.build):>23}   {_stats(s.run):>23}"
        )
    inserts = ", ".join(f"{s.key} {_median(s.inserts):.1f} s" for s in sizes)
    print(f"  (inserting the new month's raw lines before each incremental run, not included: {inserts})")

    print(f"\nTarget: incremental at {long.key} <= {TARGET_RATIO}x incremental at {short.key}")
    for name, a_runs, b_runs in (("dbt build", long.build, short.build), ("dbt run", long.run, short.run)):
        a = _median([r.seconds for r in a_runs if r.ok])
        b = _median([r.seconds for r in b_runs if r.ok])
        if not a_runs:
            continue
        ratio = _ratio(a, b)
        verdict = ("PASS" if ratio <= TARGET_RATIO else "MISS") if ratio == ratio else "MISS (a run failed)"
        print(f"  incremental {name:<10} {long.key} {a:7.1f} s / {short.key} {b:7.1f} s = {ratio:5.2f}x   {verdict}")
    full_a = _median([r.seconds for r in long.full if r.ok])
    full_b = _median([r.seconds for r in short.full if r.ok])
    incr_a = _median([r.seconds for r in long.build if r.ok])
    incr_b = _median([r.seconds for r in short.build if r.ok])
    print(
        f"  (information) full rebuild {long.key} / {short.key} = {_ratio(full_a, full_b):.2f}x; "
        f"incremental / full rebuild: {long.key} {_ratio(incr_a, full_a):.2f}, "
        f"{short.key} {_ratio(incr_b, full_b):.2f}"
    )
    print(
        f"  (information) dbt's own elapsed_time, incremental build: {long.key} "
        f"{_median([r.elapsed for r in long.build if r.ok]):.1f} s, {short.key} "
        f"{_median([r.elapsed for r in short.build if r.ok]):.1f} s"
    )


def print_nodes(sizes: list[Size]) -> list[dict[str, Any]]:
    """Per-node execution_time (median over repeats) of the incremental runs, and the ratio 10 y / 1 y."""
    long, short = sizes
    ids = sorted({uid for s in sizes for r in (*s.build, *s.full) for uid in r.nodes})
    rows: list[dict[str, Any]] = []
    for uid in ids:
        row = {
            "node": uid,
            "incr_long": _node_median(long.build, uid),
            "incr_short": _node_median(short.build, uid),
            "run_long": _node_median(long.run, uid),
            "run_short": _node_median(short.run, uid),
            "full_long": _node_median(long.full, uid),
            "full_short": _node_median(short.full, uid),
        }
        row["ratio"] = _ratio(row["incr_long"], row["incr_short"])
        row["run_ratio"] = _ratio(row["run_long"], row["run_short"])
        row["grows"] = bool(row["ratio"] > GROWTH_RATIO and row["incr_long"] - row["incr_short"] > GROWTH_MIN_S)
        rows.append(row)
    rows.sort(key=lambda r: -(r["incr_long"] if r["incr_long"] == r["incr_long"] else 0))

    def cell(value: float, digits: int = 2) -> str:
        return "-" if value != value else f"{value:.{digits}f}"

    print(f"\nPer node: dbt's execution_time in seconds, median over repeats (incremental = {NEW_MONTH:%Y-%m})")
    print(f"  {'node':<64} {'incremental dbt build':>27} {'incr. dbt run':>21} {'full rebuild':>17}")
    print(
        f"  {'':<64} {long.key:>8} {short.key:>8} {'ratio':>9} {long.key:>7} {short.key:>6} {'ratio':>6} "
        f"{long.key:>8} {short.key:>8}"
    )
    for r in rows:
        name = _short_name(r["node"])
        name = name if len(name) <= 64 else name[:61] + "..."
        flag = "  <- grows" if r["grows"] else ""
        print(
            f"  {name:<64} {cell(r['incr_long']):>8} {cell(r['incr_short']):>8} {cell(r['ratio'], 1):>8}x "
            f"{cell(r['run_long']):>7} {cell(r['run_short']):>6} {cell(r['run_ratio'], 1):>5}x "
            f"{cell(r['full_long']):>8} {cell(r['full_short']):>8}{flag}"
        )
    totals: dict[str, list[float]] = {}
    for r in rows:
        kind = r["node"].split(".", 1)[0]
        acc = totals.setdefault(kind, [0.0, 0.0])
        acc[0] += 0 if r["incr_long"] != r["incr_long"] else r["incr_long"]
        acc[1] += 0 if r["incr_short"] != r["incr_short"] else r["incr_short"]
    print(
        "  sums of the incremental dbt build by kind: "
        + "; ".join(f"{kind} {a:.1f} s / {b:.1f} s" for kind, (a, b) in sorted(totals.items()))
    )

    growing = sorted((r for r in rows if r["grows"]), key=lambda r: r["incr_short"] - r["incr_long"])
    print(
        f"\nNodes whose incremental cost grows with history (> {GROWTH_RATIO}x and > {GROWTH_MIN_S} s more at "
        f"{long.key} than at {short.key}), largest extra time first:"
    )
    if not growing:
        print("  none")
    for r in growing:
        print(
            f"  {_short_name(r['node']):<70} {r['incr_short']:7.2f} s -> {r['incr_long']:7.2f} s "
            f"({r['ratio']:.1f}x, +{r['incr_long'] - r['incr_short']:.2f} s)"
        )
    return rows


def _fct_rows(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        [(rows,)] = con.execute("select count(*) from marts.fct_trade_monthly").fetchall()
    except duckdb.Error:
        rows = 0
    finally:
        con.close()
    return int(rows)


def versions() -> str:
    dbt_version = subprocess.run([DBT, "--version"], capture_output=True, text=True, check=False).stdout
    core = next((line.split(":")[-1].strip() for line in dbt_version.splitlines() if "installed" in line), "?")
    return (
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}, dbt-core {core}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rows-per-month",
        type=int,
        default=None,
        help=f"raw lines per month, both flows (default {DEFAULT_ROWS_PER_MONTH:,})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_ROWS_PER_MONTH:,} rows per month unless --rows-per-month says",
    )
    parser.add_argument("--repeats", type=int, default=3, help="incremental runs per size (median reported)")
    parser.add_argument("--full-repeats", type=int, default=1, help="full rebuilds per size (default 1)")
    parser.add_argument("--no-run", action="store_true", help="skip the `dbt run` (models only) measurements")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO_ROOT / "bench-data",
        help="cache of the generated history and scratch space (default bench-data/)",
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the built DuckDB files after the run")
    parser.add_argument("--seed", type=int, default=SEED)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows_per_month = args.rows_per_month or (QUICK_ROWS_PER_MONTH if args.quick else DEFAULT_ROWS_PER_MONTH)
    data_dir = args.data_dir.resolve()
    started = time.perf_counter()
    print(versions())
    history = ensure_history(data_dir, rows_per_month, args.seed)
    work = data_dir / "incremental-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    long_label = f"{HISTORY_MONTHS // 12} y ({_month(0):%Y-%m}..)"
    short_label = f"{SHORT_MONTHS // 12} y ({_month(HISTORY_MONTHS - SHORT_MONTHS):%Y-%m}..)"
    sizes = [
        Size("10y", long_label, history.long_db, history.rows["long"], work / "10y", work / "10y" / "built.duckdb"),
        Size("1y", short_label, history.short_db, history.rows["short"], work / "1y", work / "1y" / "built.duckdb"),
    ]
    print(
        f"History: {history.rows['long']:,} raw rows ({HISTORY_MONTHS} months) and {history.rows['short']:,} "
        f"({SHORT_MONTHS} months); new month {NEW_MONTH:%Y-%m}: {history.rows['new']:,} rows "
        f"(~{rows_per_month:,} rows/month requested). Cache: {history.folder}"
    )
    month_vars = json.dumps({"month_start": f"{NEW_MONTH}", "month_end": f"{NEW_MONTH}"})
    incremental = ["--vars", month_vars]

    print("\nFull rebuilds: `dbt build --full-refresh` on the raw history")
    for repeat in range(max(args.full_repeats, 1)):
        for s in sizes:
            _copy_db(s.raw_db, s.warehouse)
            s.full.append(
                run_dbt(
                    f"full-{s.key}-{repeat + 1}",
                    ["build", "--full-refresh"],
                    s.warehouse,
                    s.warehouse / "target-full",
                    [],
                )
            )
    for s in sizes:
        build_db = s.warehouse / "build" / BUILD_DB_NAME
        s.fct_rows = _fct_rows(build_db)
        build_db.replace(s.snapshot)  # the built warehouse every incremental repeat starts from

    commands = [("build", "build")] + ([] if args.no_run else [("run", "run")])
    print(f"\nIncremental: new month's raw lines inserted, then `dbt <command> --vars '{month_vars}'`")
    for repeat in range(args.repeats):
        for command, attr in commands:
            for s in sizes:
                build_db = _copy_db(s.snapshot, s.warehouse)
                s.inserts.append(insert_new_month(build_db, history.new_month_db))
                getattr(s, attr).append(
                    run_dbt(
                        f"{command}-{s.key}-{repeat + 1}",
                        [command, *incremental],
                        s.warehouse,
                        s.warehouse / f"target-{command}",
                        incremental,
                    )
                )

    print_summary(sizes, args.repeats)
    nodes = print_nodes(sizes)
    report = {
        "rows_per_month": rows_per_month,
        "raw_rows": history.rows,
        "sizes": {
            s.key: {
                "full_s": [r.seconds for r in s.full],
                "build_s": [r.seconds for r in s.build],
                "run_s": [r.seconds for r in s.run],
                "insert_s": s.inserts,
                "fct_rows": s.fct_rows,
                "ok": all(r.ok for r in (*s.full, *s.build, *s.run)),
            }
            for s in sizes
        },
        "nodes": nodes,
    }
    runs = data_dir / "incremental-runs"
    runs.mkdir(parents=True, exist_ok=True)
    out = runs / f"{time.strftime('%Y%m%d-%H%M%S')}-rows{rows_per_month}.json"
    out.write_text(json.dumps(report, indent=1, default=str))
    if not args.keep_work:
        for s in sizes:
            for db in (s.snapshot, s.warehouse / "build" / BUILD_DB_NAME):
                db.unlink(missing_ok=True)
    print(f"\nResults: {out}; dbt logs and run_results in {work}. Total {time.perf_counter() - started:.0f} s.")
    command = [".venv/bin/python", "tests/benchmarks/bench_incremental.py", *(argv or sys.argv[1:])]
    print("Command: " + " ".join(command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
