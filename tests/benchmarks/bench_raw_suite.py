"""Raw-suite benchmark: a clean GACC CSV and one of a single repeated row, each loaded and then validated by
the raw month suite the way the `raw_month_expectations` check does it.

    .venv/bin/python tests/benchmarks/bench_raw_suite.py              # two ~200 MB files, 3 runs each: minutes
    .venv/bin/python tests/benchmarks/bench_raw_suite.py --quick      # two ~20 MB files, smoke run
    .venv/bin/python tests/benchmarks/bench_raw_suite.py --repeats 1  # once each (a slow suite takes minutes)

The clean file holds distinct (code, partner, regime) keys (synthetic.py, GB18030 with the Chinese
header, as the portal writes it); the repeated file is one of its data rows written again and again up
to the same size, so every line after the first duplicates a key. Each run loads one file into a fresh
warehouse (`ingest_landing`, as `rare-earth load` does) and then validates the loaded months, in a
fresh subprocess: its peak RSS is the kernel's ru_maxrss of that process, read after the load and
again after the suite. The cases alternate (clean, repeated, clean, ...) so that drift of the machine
touches both alike; medians of the repeats are reported. Everything is written below a temporary
folder in /tmp and deleted at the end.

This is a measurement, not a test: it prints times, peaks and ratios and always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Only the standard library at module level: the worker's peak memory is what loading and validating need.
sys.path.insert(0, str(Path(__file__).resolve().parent))  # synthetic.py, the helper next to this script

LANDING_NAME = "exports/bench_exports_2025-11.csv"  # 'exports' gives the flow; the month agrees with the rows
DEFAULT_ROWS = 1_800_000  # ~200 MB of GB18030
QUICK_ROWS = 180_000
SEED = 20251101
MB = 1_000_000
TARGET_PEAK_MB = 1000
TARGET_RATIO = 3.0  # the repeated file, suite included, against a clean load of the same size
SHOWN_FAILURES = 3


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB  # Linux reports KiB


def work(path: Path, work_dir: Path) -> dict[str, Any]:
    """Load `path` into a fresh warehouse, then run the raw suite on its months as the asset check does."""
    import pandas as pd

    from orchestration.build_database import connect_build_db
    from orchestration.loading.ingest import ingest_landing
    from orchestration.quality.frames import (
        RAW_MONTH_GROUPS,
        RAW_MONTH_LOCATE_BY,
        raw_month_frame,
        raw_month_parameters,
    )
    from orchestration.quality.runner import run_suite_by
    from orchestration.warehouse import Warehouse

    warehouse = Warehouse(work_dir / "warehouse").ensure()
    target = warehouse.landing / LANDING_NAME
    target.parent.mkdir(parents=True)
    os.link(path, target)  # below the landing folder without copying 200 MB

    started = time.perf_counter()
    ingest = ingest_landing(warehouse)
    load_s = time.perf_counter() - started
    load_peak = _peak_mb()
    if not ingest.loaded:
        return {"status": "refused by the loader", "reason": ingest.outcomes[0].reason}

    first, last = min(ingest.months), max(ingest.months)
    started = time.perf_counter()
    con = connect_build_db(warehouse)
    try:
        frame = pd.concat([raw_month_frame(con, flow, first, last) for flow in ("export", "import")])
    finally:
        con.close()
    frame_s = time.perf_counter() - started
    reports = run_suite_by(
        "raw_month", frame, RAW_MONTH_GROUPS, raw_month_parameters(first, last), locate_by=RAW_MONTH_LOCATE_BY
    )
    suite_s = time.perf_counter() - started
    failed = [o for r in reports.values() for o in (*r.errors, *r.warnings)]
    return {
        "status": "held back" if any(r.errors for r in reports.values()) else "loaded",
        "lines": ingest.loaded[0].rows,
        "load_s": load_s,
        "load_peak_mb": load_peak,
        "frame_rows": len(frame),
        "frame_s": frame_s,
        "suite_s": suite_s,
        "total_s": load_s + suite_s,
        "peak_mb": _peak_mb(),
        "failed": [o.summary() for o in failed[:SHOWN_FAILURES]],
    }


def run_case(path: Path, work_dir: Path) -> dict[str, Any]:
    """One run in a fresh interpreter, so that its peak RSS is its own."""
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--file",
        str(path),
        "--work-dir",
        str(work_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    shutil.rmtree(work_dir, ignore_errors=True)
    if done.returncode != 0:
        return {"status": "crashed", "reason": done.stderr[-2000:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def write_repeated(clean: Path, clean_rows: int, out: Path) -> int:
    """The clean file's header and one of its data rows, repeated up to the clean file's size; the row is
    the first of at least average length, so that both files hold about as many lines."""
    with clean.open("rb") as f:
        header = f.readline()
        average = (clean.stat().st_size - len(header)) / clean_rows
        row = next(line for line in f if len(line) >= average)
    rows = (clean.stat().st_size - len(header)) // len(row)
    block = 10_000
    out.parent.mkdir(parents=True)
    with out.open("wb") as f:
        f.write(header)
        for start in range(0, rows, block):
            f.write(row * min(block, rows - start))
    return rows


def print_run(label: str, result: dict[str, Any]) -> None:
    if "suite_s" not in result:
        print(f"  {label:<18} {result['status']}: {str(result.get('reason'))[:500]}", flush=True)
        return
    print(
        f"  {label:<18} {result['lines']:>10,} lines  load {result['load_s']:6.1f} s "
        f"(peak {result['load_peak_mb']:5.0f} MB)  suite {result['suite_s']:6.1f} s "
        f"on {result['frame_rows']:,} frame rows (frame {result['frame_s']:.1f} s)  "
        f"total {result['total_s']:6.1f} s  peak {result['peak_mb']:5.0f} MB  -> {result['status']}",
        flush=True,
    )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_summary(runs: dict[str, list[dict[str, Any]]]) -> None:
    if any("suite_s" not in r for results in runs.values() for r in results):
        print("\nNo summary: a run did not load its file.")
        return
    median = {
        label: {key: statistics.median(r[key] for r in results) for key in ("load_s", "suite_s", "total_s")}
        for label, results in runs.items()
    }
    peak = {label: max(r["peak_mb"] for r in results) for label, results in runs.items()}
    print(f"\nMedians of {len(runs['clean'])} runs:")
    for label in runs:
        m = median[label]
        print(
            f"  {label:<9} load {m['load_s']:6.1f} s  suite {m['suite_s']:6.1f} s  total {m['total_s']:6.1f} s  "
            f"peak {peak[label]:5.0f} MB (largest run)  -> {runs[label][-1]['status']}"
        )
    for summary in runs["repeated"][-1]["failed"]:
        print(f"    repeated: {summary[:400]}")
    ratio = median["repeated"]["total_s"] / median["clean"]["load_s"]
    both_with_suite = median["repeated"]["total_s"] / median["clean"]["total_s"]
    print(
        f"\nrepeated (load + suite) / clean load:          {ratio:5.2f}  "
        f"(target <= {TARGET_RATIO:.0f}: {_verdict(ratio <= TARGET_RATIO)})\n"
        f"repeated (load + suite) / clean (load + suite): {both_with_suite:5.2f}"
    )
    for label in runs:
        print(
            f"peak RSS of a whole {label} load: {' ' * (9 - len(label))}{peak[label]:5.0f} MB  "
            f"(target < {TARGET_PEAK_MB} MB: {_verdict(peak[label] < TARGET_PEAK_MB)})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help=f"data rows of the clean file (default {DEFAULT_ROWS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows unless --rows says")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (medians reported)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(work(args.file, args.work_dir), default=str))
        return 0
    import synthetic

    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    scratch = Path(tempfile.mkdtemp(prefix="bench-raw-suite-", dir="/tmp"))
    try:
        started = time.perf_counter()
        clean = synthetic.ensure_bench_files(scratch / "data", rows, args.seed).gb18030
        repeated = scratch / "data" / "repeated" / "exports" / synthetic.FILE_NAME
        repeated_rows = write_repeated(clean, rows, repeated)
        print(
            f"Raw-suite benchmark: {clean.stat().st_size / MB:.0f} MB files, the clean one of {rows:,} distinct "
            f"keys, the repeated one of {repeated_rows:,} copies of one row; written in "
            f"{time.perf_counter() - started:.0f} s to {scratch}"
        )
        files = {"clean": clean, "repeated": repeated}
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in files}
        for repeat in range(args.repeats):
            for label, path in files.items():
                with path.open("rb") as f:  # from the page cache, like the other case
                    while f.read(64 << 20):
                        pass
                runs[label].append(run_case(path, scratch / "run"))
                print_run(f"[{repeat + 1}/{args.repeats}] {label}", runs[label][-1])
        print_summary(runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("A measurement, not a test: the exit status is 0.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
