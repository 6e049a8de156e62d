"""Ingest benchmark: the project's loader against DuckDB's own CSV reader and hand-written pandas loaders.

    .venv/bin/python tests/benchmarks/bench_ingest.py            # 5 M rows: ~4 minutes on 2 cores
    .venv/bin/python tests/benchmarks/bench_ingest.py --quick    # 500 k rows, smoke run (~40 s)
    .venv/bin/python tests/benchmarks/bench_ingest.py --baseline DIR  # also the loader of another checkout

pandas runs twice: with its C engine (`thousands=','` and all) and with `engine='pyarrow'`, pandas 3's
Arrow-backed path, which takes no `thousands` and leaves the separators to the SQL that inserts the frame.
`--baseline DIR` adds the project loader imported from DIR (another checkout, or a folder holding just its
`orchestration` package next to links to `reference` and `dbt_project`), measured in the same alternation,
to compare a change with what it replaces.

Generated files are cached in --data-dir (bench-data/, git-ignored); the first run spends ~20 s more
writing them. Every measurement runs in a fresh subprocess that writes a fresh DuckDB file, so that
its peak memory is its own (VmHWM, which the child reads at its end: the kernel's ru_maxrss for a child
also counts what it shared with its parent before exec) and no cache or buffer pool carries over.
Contenders alternate (a b c d e f a b c d e f ...) so that drift of the machine touches all of them
alike; the median of the repeats is reported. The input files sit in the
page cache (they were just written or read), so the numbers are CPU-bound ingest speed, not disk speed.

This is a measurement, not a test: it prints PASS/MISS against the targets and always exits 0.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Only the standard library at module level: a worker imports just what its contender needs, so that
# its peak memory is not inflated by pyarrow or pandas it never uses (the DuckDB worker needs neither).
sys.path.insert(0, str(Path(__file__).resolve().parent))  # synthetic.py, the helper next to this script

LANDING_NAME = "exports/bench_exports_2025-11.csv"  # 'exports' gives the flow; the month agrees with the rows

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROWS = 5_000_000
QUICK_ROWS = 500_000
DEFAULT_DECODE_CHECK_MB = 300
QUICK_DECODE_CHECK_MB = 60
SEED = 20251101
MB = 1_000_000

# Targets, as ratios of rows per second (and one memory bound).
TARGET_UTF8_VS_DUCKDB = 1.0
TARGET_GB18030_VS_DUCKDB = 0.9
TARGET_GB18030_VS_PANDAS = 1.0  # ahead of both pandas engines
TARGET_PEAK_MB = 1024

RAW_COLUMNS = (
    "month",
    "hs_code",
    "commodity_name",
    "partner_code",
    "partner_name",
    "regime_code",
    "regime_name",
    "quantity",
    "unit",
    "quantity_2",
    "unit_2",
    "value_usd",
)


# --- workers: one load each, in their own process ---------------------------------------------------


def _fresh_db(work: Path) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    return db


def _facts(db: Path) -> dict[str, Any]:
    """What was loaded, to show that every contender did the same work (read after the clock stops)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows, usd, kg, q2, texts, first, last = con.execute(
            """select count(*), sum(value_usd), sum(quantity_kg), count(quantity_2),
                      count(hs_code) + count(commodity_name) + count(partner_code) + count(partner_name)
                      + count(regime_code) + count(regime_name) + count(unit) + count(unit_2),
                      min(row_number), max(row_number)
               from raw.customs_lines"""
        ).fetchone()
    finally:
        con.close()
    return {
        "rows": rows,
        "value_usd": str(usd),
        "quantity": str(kg),
        "quantity_2_present": q2,
        "texts_present": texts,
        "row_numbers": [first, last],
    }


def work_project(path: Path, work: Path) -> dict[str, Any]:
    """The project's loader, called the way `rare-earth load` calls it."""
    from orchestration.build_database import connect_build_db
    from orchestration.loading.landing import landing_file
    from orchestration.loading.load_file import load_file
    from orchestration.warehouse import Warehouse

    wh = Warehouse(work / "warehouse")
    shutil.rmtree(wh.root, ignore_errors=True)
    target = wh.landing / LANDING_NAME
    target.parent.mkdir(parents=True)
    try:
        os.link(path, target)  # a hard link: the file must sit below the landing folder, not be copied
    except OSError:
        shutil.copyfile(path, target)
    file = landing_file(wh.landing, LANDING_NAME)

    start = time.perf_counter()
    sha256 = file.sha256()
    hashed = time.perf_counter()
    con = connect_build_db(wh)
    outcome = load_file(con, file, sha256)
    con.close()  # includes the checkpoint that writes the rows into the database file
    done = time.perf_counter()

    result: dict[str, Any] = {
        "seconds": done - hashed,
        "hash_seconds": hashed - start,
        "status": outcome.status,
        "reason": outcome.reason,
        "db": str(wh.build_db),
    }
    if outcome.status == "loaded":
        result.update(_facts(wh.build_db))
    return result


def _text(column: str) -> str:
    # The project's rule: trimmed, and '' or '?' (the portal's missing value) become NULL.
    return f"nullif(nullif(trim({column}), ''), '?')"


def _amount(column: str) -> str:
    return f"cast(nullif(nullif(trim(replace({column}, ',', '')), ''), '?') as decimal(18, 3))"


def work_duckdb(path: Path, work: Path, *, row_numbers: bool = True) -> dict[str, Any]:
    """DuckDB's own parallel CSV reader into the same table, with the same typing and cleaning.

    read_csv has no file_row_number, so the line numbers the project stores come from a window,
    `row_number() over ()`, which DuckDB runs on one thread; `row_numbers=False` stores 0 instead,
    to show what the engine does without that (the bound, not equivalent work).
    """
    import duckdb

    from orchestration.build_database import ensure_schema

    db = _fresh_db(work)
    # Explicit columns (all VARCHAR) instead of the sniffer: the amounts hold thousands separators,
    # and the portal's trailing comma makes a 13th, empty column.
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in (*RAW_COLUMNS, "trailing")) + "}"
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    ensure_schema(con)  # the project's own DDL: same table, same types, same constraints
    con.execute(
        f"""insert into raw.customs_lines by name
            select 'export' as flow, strptime(trim(month), '%Y%m')::date as month, 1 as period_months,
                   {_text("hs_code")} as hs_code, {_text("commodity_name")} as commodity_name,
                   {_text("partner_code")} as partner_code, {_text("partner_name")} as partner_name,
                   {_text("regime_code")} as regime_code, {_text("regime_name")} as regime_name,
                   {_amount("quantity")} as quantity_kg, {_text("unit")} as unit,
                   {_amount("quantity_2")} as quantity_2, {_text("unit_2")} as unit_2,
                   {_amount("value_usd")} as value_usd,
                   '{LANDING_NAME}' as source_file, 'sha256-not-computed' as source_sha256,
                   {"row_number() over ()" if row_numbers else "0"} as row_number, 1 as vintage,
                   now() as loaded_at, 'month' as period_kind
            from read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                          columns = {columns})""",
        [str(path)],
    )
    con.close()
    done = time.perf_counter()
    return {"seconds": done - start, "hash_seconds": 0.0, "status": "loaded", "reason": None, **_facts(db)}


def _typed_amount(column: str) -> str:
    return f'cast("{column}" as decimal(18, 3))'


def _plain_amount(column: str) -> str:
    return f"cast(replace(\"{column}\", ',', '') as decimal(18, 3))"


def _insert_frame(frame: Any, db: Path, amount: Callable[[str], str]) -> None:
    """A pandas loader's frame into raw.customs_lines, numbered and typed as the project stores lines;
    `amount` is the SQL that makes a decimal of an amount column."""
    import duckdb
    import numpy as np

    from orchestration.build_database import ensure_schema

    frame["row_number"] = np.arange(1, len(frame) + 1)
    con = duckdb.connect(str(db))
    ensure_schema(con)
    con.register("frame", frame)
    con.execute(
        f"""insert into raw.customs_lines by name
            select 'export' as flow, strptime(cast("数据年月" as varchar), '%Y%m')::date as month, 1 as period_months,
                   "商品编码" as hs_code, "商品名称" as commodity_name, "贸易伙伴编码" as partner_code,
                   "贸易伙伴名称" as partner_name, "贸易方式编码" as regime_code, "贸易方式名称" as regime_name,
                   {amount("第一数量")} as quantity_kg, "第一计量单位" as unit,
                   {amount("第二数量")} as quantity_2, "第二计量单位" as unit_2,
                   {amount("美元")} as value_usd, '{LANDING_NAME}' as source_file,
                   'sha256-not-computed' as source_sha256, row_number, 1 as vintage, now() as loaded_at,
                   'month' as period_kind
            from frame"""
    )
    con.close()


def work_pandas(path: Path, work: Path) -> dict[str, Any]:
    """What people write by hand: pandas.read_csv (C engine), then DuckDB inserts from the registered DataFrame."""
    import pandas as pd

    db = _fresh_db(work)
    start = time.perf_counter()
    frame = pd.read_csv(
        path,
        encoding="gb18030",
        thousands=",",
        na_values=["?"],
        dtype={"商品编码": str, "贸易伙伴编码": str, "贸易方式编码": str},
    )
    _insert_frame(frame, db, _typed_amount)
    done = time.perf_counter()
    return {"seconds": done - start, "hash_seconds": 0.0, "status": "loaded", "reason": None, **_facts(db)}


def work_pandas_arrow(path: Path, work: Path) -> dict[str, Any]:
    """pandas 3 the Arrow way: read_csv(engine='pyarrow'), Arrow-backed strings, then the same DuckDB insert.

    The pyarrow engine takes no `thousands`: amounts arrive as text and the insert removes the separators.
    """
    import pandas as pd

    db = _fresh_db(work)
    start = time.perf_counter()
    as_text = ("商品编码", "贸易伙伴编码", "贸易方式编码", "第一数量", "第二数量", "美元")
    frame = pd.read_csv(
        path, engine="pyarrow", encoding="gb18030", na_values=["?"], dtype=dict.fromkeys(as_text, "str")
    )
    _insert_frame(frame, db, _plain_amount)
    done = time.perf_counter()
    return {"seconds": done - start, "hash_seconds": 0.0, "status": "loaded", "reason": None, **_facts(db)}


WORKERS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "project": work_project,
    "duckdb": work_duckdb,
    "duckdb-no-row-numbers": lambda path, work: work_duckdb(path, work, row_numbers=False),
    "pandas": work_pandas,
    "pandas-arrow": work_pandas_arrow,
}


# --- the parent: files, runs, table -------------------------------------------------------------------


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    worker: str
    encoding: str  # which generated file: 'utf8' or 'gb18030'
    bound: bool = False  # DuckDB without row numbers: the engine at its fastest, which targets compare with
    baseline: bool = False  # the project loader imported from --baseline


CONTENDERS = (
    Contender("a", "project loader, UTF-8", "project", "utf8"),
    Contender("b", "project loader, GB18030", "project", "gb18030"),
    Contender("c", "DuckDB read_csv, UTF-8", "duckdb", "utf8"),
    Contender("d", "pandas read_csv (C), GB18030", "pandas", "gb18030"),
    Contender("e", "DuckDB, UTF-8, no row numbers", "duckdb-no-row-numbers", "utf8", bound=True),
    Contender("f", "pandas read_csv (pyarrow), GB18030", "pandas-arrow", "gb18030"),
)
BASELINE_CONTENDERS = (
    Contender("g", "baseline loader, UTF-8", "project", "utf8", baseline=True),
    Contender("h", "baseline loader, GB18030", "project", "gb18030", baseline=True),
)


@dataclass
class Run:
    seconds: float
    process_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    result: dict[str, Any]


@dataclass
class Measured:
    contender: Contender
    path: Path
    rows: int
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.result.get("status") == "loaded" for r in self.runs)

    @property
    def median_s(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.median_s

    @property
    def peak_mb(self) -> float:
        return max(r.peak_rss_mb for r in self.runs)


def run_worker(worker: str, path: Path, work: Path, baseline: Path | None = None) -> Run:
    """One load in a fresh interpreter; its CPU comes from the kernel's accounting for it, its peak RSS from
    the worker itself. With `baseline`, the worker imports the project's package from that folder."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        worker,
        "--file",
        str(path),
        "--work-dir",
        str(work),
    ]
    with (work / "stdout.txt").open("wb") as out, (work / "stderr.txt").open("wb") as err:
        started = time.perf_counter()
        env = None
        if baseline is not None:
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(baseline), os.environ.get("PYTHONPATH")])),
            }
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        # wait4 gives this child's own rusage; RUSAGE_CHILDREN would be the maximum over all children.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
    lines = (work / "stdout.txt").read_text().strip().splitlines()
    if process.returncode != 0 or not lines:
        tail = (work / "stderr.txt").read_text()[-2000:]
        result: dict[str, Any] = {"status": "crashed", "reason": f"exit {process.returncode}: {tail}", "seconds": 0}
    else:
        result = json.loads(lines[-1])
    return Run(
        seconds=float(result["seconds"]) or elapsed,
        process_seconds=elapsed,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=result.get("peak_rss_mb") or usage.ru_maxrss * 1024 / MB,  # Linux reports KiB
        result=result,
    )


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def print_table(measured: list[Measured]) -> None:
    header = ("", "contender", "rows", "file MB", "median s", "min-max s", "rows/s", "MB/s", "CPU s", "peak RSS MB")
    body = []
    for m in measured:
        size = m.path.stat().st_size / MB
        if not m.ok:
            failed = next(r for r in m.runs if r.result.get("status") != "loaded")
            body.append(
                (
                    m.contender.key,
                    m.contender.label,
                    f"{m.rows:,}",
                    f"{size:,.0f}",
                    "FAILED",
                    "",
                    "",
                    "",
                    "",
                    f"{failed.result.get('status')}: {str(failed.result.get('reason'))[:200]}",
                )
            )
            continue
        seconds = [r.seconds for r in m.runs]
        body.append(
            (
                m.contender.key,
                m.contender.label,
                f"{m.rows:,}",
                f"{size:,.0f}",
                f"{m.median_s:.2f}",
                f"{min(seconds):.2f}-{max(seconds):.2f}",
                _fmt_rate(m.rows_per_s),
                f"{size / m.median_s:.1f}",
                f"{statistics.median(r.cpu_seconds for r in m.runs):.1f}",
                f"{m.peak_mb:,.0f}",
            )
        )
    widths = [max(len(str(row[i])) for row in (header, *body)) for i in range(len(header))]
    for row in (header, *body):
        print(
            "  ".join(
                str(cell).rjust(w) if i >= 2 else str(cell).ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_targets(by_key: dict[str, Measured]) -> None:
    a, b, c, d, f = (by_key[k] for k in "abcdf")
    e = by_key.get("e")
    # The engine's limit is DuckDB at its fastest: without row numbers it parses on every core.
    engine = max((m for m in (c, e) if m is not None and m.ok), key=lambda m: m.rows_per_s, default=c)
    print(f"\nTargets (ratios of rows/s against {engine.contender.key}: {engine.contender.label}; peak memory)")
    lines: list[tuple[str, str, str, str]] = []
    for label, mine, theirs, target in (
        ("project UTF-8 / DuckDB", a, engine, TARGET_UTF8_VS_DUCKDB),
        ("project GB18030 / DuckDB", b, engine, TARGET_GB18030_VS_DUCKDB),
        ("project GB18030 / pandas C", b, d, TARGET_GB18030_VS_PANDAS),
        ("project GB18030 / pandas pyarrow", b, f, TARGET_GB18030_VS_PANDAS),
    ):
        if mine.ok and theirs.ok:
            ratio = mine.rows_per_s / theirs.rows_per_s
            lines.append((label, f"{ratio:.2f}", f">= {target}", _verdict(ratio >= target)))
        else:
            lines.append((label, "n/a", f">= {target}", "MISS (a load failed)"))
    other = c if engine is not c else e
    if other is not None and other.ok:
        for label, mine in (
            (f"project UTF-8 / {other.contender.key}", a),
            (f"project GB18030 / {other.contender.key}", b),
        ):
            if mine.ok:
                lines.append((label, f"{mine.rows_per_s / other.rows_per_s:.2f}", "none", "(information)"))
    for mine, key in ((a, "g"), (b, "h")):
        before = by_key.get(key)
        if before is not None and before.ok and mine.ok:
            label = f"project / baseline, {mine.contender.encoding}"
            lines.append((label, f"{mine.rows_per_s / before.rows_per_s:.2f}", "none", "(information)"))
    for m in (a, b):
        if m.runs:
            label = f"peak RSS, project {m.contender.encoding}"
            lines.append(
                (label, f"{m.peak_mb:,.0f} MB", f"< {TARGET_PEAK_MB} MB", _verdict(m.peak_mb < TARGET_PEAK_MB))
            )
    for label, value, target, verdict in lines:
        print(f"  {label:<34} {value:>9}   target {target:<11} {verdict}")


def print_equivalence(measured: list[Measured]) -> None:
    """All contenders must have loaded the same rows and amounts, or the comparison is meaningless."""
    keys = ("rows", "value_usd", "quantity", "quantity_2_present", "texts_present", "row_numbers")
    facts = {m.contender.key: {k: m.runs[-1].result.get(k) for k in keys} for m in measured if m.ok}
    reference = next((facts[m.contender.key] for m in measured if m.ok and not m.contender.bound), None)
    if reference is None:
        print("\nNo contender loaded the file.")
        return

    def same(m: Measured) -> bool:
        # The bound stores no row numbers; everything else must agree exactly.
        compared = [k for k in keys if not (m.contender.bound and k == "row_numbers")]
        return all(facts[m.contender.key][k] == reference[k] for k in compared)

    if all(same(m) for m in measured if m.ok):
        print(
            f"\nSame work: every contender loaded {reference['rows']:,} rows, "
            f"sum(value_usd) = {reference['value_usd']}, sum(quantity) = {reference['quantity']}, "
            f"{reference['quantity_2_present']:,} second quantities, {reference['texts_present']:,} text values, "
            f"row numbers {reference['row_numbers']} (the bound: none)"
        )
    else:
        print("\nDIFFERENT WORK: the contenders loaded different data:")
        for key, found in facts.items():
            print(f"  {key}: {found}")
    hashes = [r.result["hash_seconds"] for m in measured if m.contender.worker == "project" for r in m.runs]
    if hashes:
        print(
            f"(the project runs also hashed the file first: sha256 median {statistics.median(hashes):.2f} s, "
            "not included above)"
        )


# --- exactness: names as loaded vs Python's own GB18030 decode --------------------------------------------


def python_names(path: Path, out: Path) -> int:
    """Row number, commodity name and partner name as Python decodes the file; written to Parquet.

    The file is decoded in 32 MB blocks cut after a '\\n': that byte never occurs inside a GB18030
    character, so each block decodes exactly as the same bytes would in one bytes.decode() call.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    with path.open("rb") as f:
        header = next(csv.reader([f.readline().decode("gb18030")]))
        commodity_at, partner_at = header.index("商品名称"), header.index("贸易伙伴名称")
        with pq.ParquetWriter(
            out, pa.schema([("row_number", pa.int64()), ("commodity_name", pa.string()), ("partner_name", pa.string())])
        ) as writer:
            while block := f.read(32 << 20):
                block += f.readline()
                commodity: list[str | None] = []
                partner: list[str | None] = []
                for fields in csv.reader(io.StringIO(block.decode("gb18030"), newline="")):
                    commodity.append(_expected(fields[commodity_at]))
                    partner.append(_expected(fields[partner_at]))
                numbers = np.arange(rows + 1, rows + len(commodity) + 1, dtype=np.int64)
                writer.write_batch(
                    pa.record_batch(
                        [pa.array(numbers), pa.array(commodity, pa.string()), pa.array(partner, pa.string())],
                        schema=writer.schema,
                    )
                )
                rows += len(commodity)
    return rows


def _expected(field: str) -> str | None:
    # The loader's documented cleaning: trimmed, '' and '?' are missing. The names here never need it.
    text = field.strip()
    return None if text in ("", "?") else text


def check_exact(label: str, db: Path, path: Path, scratch: Path) -> bool:
    import duckdb

    started = time.perf_counter()
    parquet = scratch / "python-decoded-names.parquet"
    python_rows = python_names(path, parquet)
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded, joined, commodity_diff, partner_diff, four_byte = con.execute(
            """select (select count(*) from raw.customs_lines),
                      count(r.row_number),
                      count(*) filter (where r.commodity_name is distinct from p.commodity_name),
                      count(*) filter (where r.partner_name is distinct from p.partner_name),
                      count(*) filter (where regexp_matches(p.commodity_name, '[\\x{10000}-\\x{10FFFF}]'))
               from read_parquet(?) p left join raw.customs_lines r using (row_number)""",
            [str(parquet)],
        ).fetchone()
        examples = con.execute(
            """select p.row_number, p.commodity_name, r.commodity_name, p.partner_name, r.partner_name
               from read_parquet(?) p left join raw.customs_lines r using (row_number)
               where r.commodity_name is distinct from p.commodity_name
                  or r.partner_name is distinct from p.partner_name
               order by 1 limit 3""",
            [str(parquet)],
        ).fetchall()
    finally:
        con.close()
        parquet.unlink(missing_ok=True)
    exact = loaded == python_rows == joined and commodity_diff == 0 and partner_diff == 0
    print(
        f"  {label}: {_verdict(exact).replace('MISS', 'MISMATCH').replace('PASS', 'EXACT')} — "
        f"Python decoded {python_rows:,} rows, loader stored {loaded:,}, matched by row number {joined:,}; "
        f"commodity names differing {commodity_diff:,}, partner names differing {partner_diff:,} "
        f"({four_byte:,} rows hold characters outside the BMP); {time.perf_counter() - started:.1f} s"
    )
    for row_number, py_c, db_c, py_p, db_p in examples:
        print(f"    row {row_number}: python {py_c!r} / {py_p!r}; loaded {db_c!r} / {db_p!r}")
    return exact


# --- main ------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None, help=f"data rows (default {DEFAULT_ROWS:,})")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_ROWS:,} rows unless --rows says")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO_ROOT / "bench-data",
        help="where generated files are cached and runs write their databases",
    )
    parser.add_argument("--repeats", type=int, default=3, help="measurements per contender (median reported)")
    parser.add_argument(
        "--decode-check-mb",
        type=int,
        default=None,
        help=f"size of the extra GB18030 exactness file (default {DEFAULT_DECODE_CHECK_MB}, "
        f"{QUICK_DECODE_CHECK_MB} with --quick; 0 skips it)",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="also measure the project loader imported from this folder (another checkout), for before/after",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work-dir", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _own_peak_mb() -> float | None:
    """This process's peak RSS since exec (VmHWM). The kernel's ru_maxrss of a child also counts the memory
    it shared with its parent before exec: after the exactness check the parent holds a gigabyte."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return None if kib is None else kib * 1024 / MB


def worker_main(args: argparse.Namespace) -> int:
    result = WORKERS[args.worker](args.file, args.work_dir)
    result["peak_rss_mb"] = _own_peak_mb()
    print(json.dumps(result, default=str))
    return 0


def versions() -> str:
    import duckdb
    import numpy as np
    import pandas
    import pyarrow as pa

    return (
        f"Python {platform.python_version()}, pyarrow {pa.__version__}, duckdb {duckdb.__version__}, "
        f"pandas {pandas.__version__}, numpy {np.__version__}; {os.cpu_count()} CPUs, {platform.machine()}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    import synthetic

    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    decode_mb = args.decode_check_mb
    if decode_mb is None:
        decode_mb = QUICK_DECODE_CHECK_MB if args.quick else DEFAULT_DECODE_CHECK_MB
    data_dir: Path = args.data_dir.resolve()
    runs_dir = data_dir / "runs"
    overall = time.perf_counter()
    print(f"Ingest benchmark: {rows:,} rows, {args.repeats} repeats, data in {data_dir}")
    print(versions())

    started = time.perf_counter()
    vocab = synthetic.load_vocabulary()
    files = synthetic.ensure_bench_files(data_dir, rows, args.seed, vocab)
    print(
        f"Files ready in {time.perf_counter() - started:.1f} s ({len(vocab.hs_codes):,} commodity codes, "
        f"{len(vocab.partner_codes)} partners, {len(vocab.regime_codes)} regimes; unique keys):"
    )
    for path in (files.utf8, files.gb18030):
        print(f"  {path.stat().st_size / MB:8.1f} MB  {path}")
    # Read both once so every contender, the first included, starts from the page cache.
    for path in (files.utf8, files.gb18030):
        with path.open("rb") as f:
            while f.read(64 << 20):
                pass

    paths = {"utf8": files.utf8, "gb18030": files.gb18030}
    contenders = CONTENDERS + (BASELINE_CONTENDERS if args.baseline else ())
    baseline = args.baseline.resolve() if args.baseline else None
    measured = [Measured(c, paths[c.encoding], rows) for c in contenders]
    for repeat in range(args.repeats):
        for m in measured:
            work = runs_dir / f"{m.contender.key}-{m.contender.worker}-{m.contender.encoding}"
            run = run_worker(m.contender.worker, m.path, work, baseline if m.contender.baseline else None)
            m.runs.append(run)
            status = run.result.get("status")
            note = "" if status == "loaded" else f"  {status}: {str(run.result.get('reason'))[:300]}"
            print(
                f"  [{repeat + 1}/{args.repeats}] {m.contender.key} {m.contender.label:<36} {run.seconds:7.2f} s"
                f"  (process {run.process_seconds:6.2f} s, CPU {run.cpu_seconds:6.1f} s, "
                f"peak {run.peak_rss_mb:6.0f} MB){note}",
                flush=True,
            )

    print(
        f"\nResults (median of {args.repeats}; seconds = connect + load + commit + close, excluding "
        "interpreter start-up and imports)"
    )
    print_table(measured)
    by_key = {m.contender.key: m for m in measured}
    print_targets(by_key)
    print_equivalence(measured)

    print("\nExactness of GB18030 decoding (names stored by the project loader vs Python's bytes.decode('gb18030'))")
    project_gb = by_key["b"]
    if project_gb.ok:
        check_exact(
            f"{project_gb.path.name} ({rows:,} rows)", Path(project_gb.runs[-1].result["db"]), project_gb.path, runs_dir
        )
    else:
        print("  skipped: the project loader did not load the GB18030 file")
    if decode_mb > 0:
        started = time.perf_counter()
        big = synthetic.ensure_decode_check_file(data_dir, decode_mb, args.seed, vocab)
        big_rows = synthetic.file_rows(big)
        print(
            f"  decode-check file: {big.stat().st_size / MB:,.0f} MB, {big_rows:,} rows (repeating, 1% of names "
            f"with 4-byte GB18030 characters), ready in {time.perf_counter() - started:.1f} s"
        )
        run = run_worker("project", big, runs_dir / "decode-check")
        if run.result.get("status") == "loaded":
            print(
                f"  project loader: {run.seconds:.2f} s, {big_rows / run.seconds:,.0f} rows/s, "
                f"peak RSS {run.peak_rss_mb:,.0f} MB"
            )
            check_exact(f"decode-check file ({decode_mb} MB)", Path(run.result["db"]), big, runs_dir)
        else:
            print(f"  project loader FAILED on the decode-check file: {run.result.get('reason')}")
        shutil.rmtree(runs_dir / "decode-check", ignore_errors=True)

    for m in measured:
        shutil.rmtree(runs_dir / f"{m.contender.key}-{m.contender.worker}-{m.contender.encoding}", ignore_errors=True)
    print(f"\nTotal {time.perf_counter() - overall:.0f} s. A measurement, not a test: the exit status is 0.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
