"""Crash trials: `rare-earth load` SIGKILLed at chosen moments, then what readers see and what the next load does.

A trial copies a published base warehouse, drops new files into its landing folder, starts a load in a
process group of its own and kills the whole group when the load reaches the trial's moment: after its
k-th line of output (plus a delay), or just after the publish step starts writing a new generation.
Then it checks the published set (torn or not) and runs the next load (stuck or recovered).

Every check holds whenever the kill lands, so no result depends on how fast the machine is; timing only
decides which moment a trial hits.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from orchestration.sample import write_sample_files
from orchestration.warehouse import REPO_ROOT

BASE_MONTHS = ("2025-09", "2025-10")
NEW_MONTHS = ("2025-11",)
NEXT_LOAD_TIMEOUT_S = 600.0
# Differ between two publishes of the same data: when, and the vintage numbers, which follow the load order.
_VOLATILE_COLUMNS = {"published_at", "vintage", "last_vintage", "first_vintage", "current_vintage"}


def rare_earth_command() -> str:
    return str(Path(sys.executable).with_name("rare-earth"))


def _env(warehouse: Path) -> dict[str, str]:
    env = {**os.environ, "WAREHOUSE_DIR": str(warehouse)}
    env.pop("DAGSTER_HOME", None)
    return env


def start_load(warehouse: Path, *args: str, merge_output: bool = False) -> subprocess.Popen[str]:
    """`rare-earth load` in a process group of its own (so that a kill reaches dbt too), output piped."""
    return subprocess.Popen(
        [rare_earth_command(), "load", *args],
        env=_env(warehouse),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def load(warehouse: Path, *args: str, timeout_s: float = NEXT_LOAD_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [rare_earth_command(), "load", *args],
        env=_env(warehouse),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def copy_sample_months(months: tuple[str, ...], into: Path, sample: Path) -> None:
    for path in sample.rglob("*"):
        if path.is_file() and any(month in path.name for month in months):
            target = into / path.relative_to(sample)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


# --- what readers see -------------------------------------------------------------------------------


def published_hashes(warehouse: Path) -> dict[str, str]:
    """sha256 of the published DuckDB file and of every Parquet export, by name."""
    files = [warehouse / "rare_earth.duckdb", *sorted((warehouse / "exports").glob("*.parquet"))]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files if path.exists()}


def _rows(table: object) -> list[tuple[object, ...]]:
    columns = [c for c in table.column_names if c not in _VOLATILE_COLUMNS]  # type: ignore[attr-defined]
    return sorted(map(tuple, zip(*(table.column(c).to_pylist() for c in columns), strict=True)), key=repr)  # type: ignore[attr-defined]


def published_marts(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every mart of the published DuckDB file, rows sorted, without the publish time."""
    con = duckdb.connect(str(warehouse / "rare_earth.duckdb"), read_only=True)
    try:
        names = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        ]
        return {name: _rows(con.sql(f'select * from marts."{name}"').to_arrow_table()) for name in sorted(names)}
    finally:
        con.close()


def exported_marts(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    return {path.stem: _rows(pq.read_table(path)) for path in sorted((warehouse / "exports").glob("*.parquet"))}


def is_whole(warehouse: Path) -> bool:
    """Every Parquet export holds what the published DuckDB file holds: one publish, not a mix of two."""
    try:
        return published_marts(warehouse) == exported_marts(warehouse)
    except (duckdb.Error, OSError, ValueError):
        return False


def state_of(warehouse: Path, before: dict[str, str], after: dict[str, list[tuple[object, ...]]]) -> str:
    """'before' (every published byte as it was), 'after' (the DuckDB file and every export hold the
    complete new marts), or 'torn' (anything else: a mix, a missing or unreadable file)."""
    try:
        if published_hashes(warehouse) == before:
            return "before"
        if published_marts(warehouse) == after and exported_marts(warehouse) == after:
            return "after"
    except (duckdb.Error, OSError, ValueError) as err:
        return f"torn ({type(err).__name__}: {err})"
    return "torn"


# --- trials -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """A published warehouse, the files a load adds to it, and what readers see before and after."""

    warehouse: Path
    new_files: Path
    before: dict[str, str]
    after: dict[str, list[tuple[object, ...]]]
    output_lines: int  # about the lines a load of the new files prints


def _published_base(root: Path, name: str) -> tuple[Path, Path, int]:
    """The sample written under `root`, a warehouse holding BASE_MONTHS loaded and published, and how many
    lines that load printed with --verbose (about as many as a load of one new month: dbt's log is most of
    them, so that kill moments counted in lines spread over the whole run)."""
    sample = root / "sample"
    write_sample_files(sample)
    warehouse = root / name
    copy_sample_months(BASE_MONTHS, warehouse / "landing", sample)
    first = load(warehouse, "--verbose")
    assert first.returncode == 0, first.stdout + first.stderr
    return sample, warehouse, len((first.stdout + first.stderr).splitlines())


def _after_one_load(warehouse: Path, months: tuple[str, ...], sample: Path) -> dict[str, list[tuple[object, ...]]]:
    """The marts a copy of `warehouse` publishes when the sample files of `months` are loaded in one load."""
    reference = warehouse.with_name(f"{warehouse.name}-reference")
    shutil.copytree(warehouse, reference, symlinks=True)
    copy_sample_months(months, reference / "landing", sample)
    loaded = load(reference)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    return published_marts(reference)


def build_base(root: Path) -> Base:
    sample, warehouse, lines = _published_base(root, "base")
    new_files = root / "new"
    copy_sample_months(NEW_MONTHS, new_files, sample)
    after = _after_one_load(warehouse, NEW_MONTHS, sample)
    return Base(warehouse, new_files, published_hashes(warehouse), after, lines)


@dataclass(frozen=True)
class Moment:
    """When to kill: after the load printed `after_lines` lines, or (`in_publish`) once the publish step
    created its new generation folder; then `delay_s` more."""

    after_lines: int = 0
    in_publish: bool = False
    delay_s: float = 0.0

    def __str__(self) -> str:
        where = "in publish" if self.in_publish else f"after line {self.after_lines}"
        return f"{where} +{self.delay_s:.2f}s"


def moments(count: int, output_lines: int, seed: int) -> list[Moment]:
    """`count` moments spread over a whole load, a quarter of them inside the publish step."""
    rng = random.Random(seed)
    in_publish = max(2, count // 4)
    spread = [Moment(after_lines=round((k + 0.5) * output_lines / (count - in_publish)), delay_s=rng.uniform(0, 0.8))
              for k in range(count - in_publish)]  # fmt: skip
    return spread + [Moment(in_publish=True, delay_s=rng.uniform(0, 0.3)) for _ in range(in_publish)]


def _generations(warehouse: Path) -> set[str]:
    folder = warehouse / "published"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def start_and_kill(warehouse: Path, moment: Moment, timeout_s: float = NEXT_LOAD_TIMEOUT_S) -> str:
    """Start a load, SIGKILL its whole process group at `moment`; what happened: 'killed …', 'finished …',
    or 'stuck …' when the load neither reached the moment nor ended within `timeout_s`."""
    known = _generations(warehouse)
    process = start_load(warehouse, "--verbose", merge_output=True)  # dbt's log lines mark the time
    reached = threading.Event()
    lines: list[str] = []

    def follow_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if not moment.in_publish and len(lines) >= moment.after_lines:
                reached.set()
        reached.set()  # the load ended before the moment

    threading.Thread(target=follow_output, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    while not reached.is_set():
        if moment.in_publish and _generations(warehouse) - known - {"current"}:
            break
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return f"stuck after {len(lines)} lines: {''.join(lines[-3:])!r}"
        reached.wait(0.005)
    time.sleep(moment.delay_s)
    if process.poll() is not None:
        return f"finished (exit {process.returncode})"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return f"killed after {len(lines)} lines"


@dataclass(frozen=True)
class TrialResult:
    moment: Moment
    what: str
    after_kill: str  # 'before' | 'after' | 'torn…'
    stuck: bool
    recovered: bool
    recovery_s: float
    next_output: str


def run_trial(base: Base, moment: Moment, folder: Path) -> TrialResult:
    """One kill on a fresh copy of the base, then the next load, which must reach the after-state."""
    warehouse = folder / "warehouse"
    shutil.copytree(base.warehouse, warehouse, symlinks=True)
    shutil.copytree(base.new_files, warehouse / "landing", dirs_exist_ok=True)
    try:
        what = start_and_kill(warehouse, moment)
        after_kill = state_of(warehouse, base.before, base.after)
        started = time.monotonic()
        try:
            next_load = load(warehouse)
        except subprocess.TimeoutExpired as err:
            return TrialResult(moment, what, after_kill, True, False, time.monotonic() - started, str(err.stdout))
        recovery_s = time.monotonic() - started
        output = next_load.stdout + next_load.stderr
        recovered = next_load.returncode == 0 and state_of(warehouse, base.before, base.after) == "after"
        return TrialResult(moment, what, after_kill, False, recovered, recovery_s, output)
    finally:
        shutil.rmtree(warehouse, ignore_errors=True)


def trials(base: Base, count: int, seed: int, folder: Path) -> Iterator[TrialResult]:
    for number, moment in enumerate(moments(count, base.output_lines, seed)):
        yield run_trial(base, moment, folder / f"trial-{number}")


# --- a chain of kills, each load bringing a new month -------------------------------------------------

CHAIN_MONTHS = tuple(f"2024-{month:02d}" for month in range(1, 12))


@dataclass(frozen=True)
class Chain:
    """A published base, one new month per load to come, and the marts of one uninterrupted load of them all."""

    warehouse: Path
    sample: Path
    months: tuple[str, ...]
    final: dict[str, list[tuple[object, ...]]]
    output_lines: int  # about the lines a load of one new month prints


def build_chain(root: Path, loads: int) -> Chain:
    sample, warehouse, lines = _published_base(root, "chain")
    months = CHAIN_MONTHS[:loads]
    return Chain(warehouse, sample, months, _after_one_load(warehouse, months, sample), lines)
