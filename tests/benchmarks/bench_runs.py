"""Run times against the release before: whole commands of this checkout beside those of commit 3e661f3.

    make bench-runs                                          # both sides, 2 repeats: ~15 minutes on 2 cores
    .venv/bin/python tests/benchmarks/bench_runs.py --repeats 3 --only revision --only status

"The base" is the release before (3e661f3). The script checks it out with `git worktree add` under
--data-dir (bench-data/, git-ignored) and gives it its own venv, installed once from its own
pyproject.toml and requirements.lock and then reused (~2 minutes the first time); `--remove-base` removes
both at the end. "Current" is this checkout as it is, with its own .venv (never installed into: a step
whose `make` would reinstall is not measured) and the same interpreter as the base.

Every measurement is one whole process (or process tree) started from here and timed with
time.perf_counter, on a warehouse folder (WAREHOUSE_DIR) under --data-dir, never the checkout's own
warehouse/: a cold load in a new folder, every other step on the sample-loaded warehouse restored from a copy
into the folder it was loaded in (as a team's warehouse stays in its folder from month to month). The two
sides alternate (base, current, base, current, ...) step by step, so that drift of the machine touches both
alike, and the table gives the median of the repeats and the ratio base / current (> 1: faster now). The steps:

  revision  a warehouse loaded with the sample, then a revised file of 2025-11 (a copy of the month's
            export file with one quantity changed, named ..._revised.csv: a later vintage of the month)
            dropped into landing; timed: `rare-earth load`
  cold      `rare-earth sample` into an empty warehouse (not timed); timed: `rare-earth load` (24 months)
  status    `rare-earth status` on the loaded warehouse (3 runs per repeat: it takes about a second)
  ui-month  the UI started as the Makefile's `dev` target starts it (on a free port) on a loaded warehouse
            and ready (code location loaded, run queue daemon healthy, 5 s to settle); timed: from the
            GraphQL launchRun of job monthly_load for partition 2025-11-01 to the run's SUCCESS, polled
            every 0.5 s. Shown too: the run's own duration (end - start in its record, run_s) and the
            time from its creation to its start (to_start_s: the queue daemon and the run worker's start-up)
  docs      `make docs WAREHOUSE_DIR=...` on a loaded warehouse (the target includes `make parse`)
  dev       `make dev` until /server_info answers 200 and the code location is LOADED without error;
            the Makefiles hard-code port 3000, so the commands `make -n dev` prints are run with the
            port replaced by a free one (`make dev PORT=...` itself when a Makefile honours PORT)

This is a measurement, not a test: it prints whether each target is met and always exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.sample.revision import revised_copy

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_COMMIT = "3e661f3"
REVISED_MONTH_FILE = Path("exports/2025/gacc_exports_2025-11.csv")
REVISED_FILE = Path("exports/2025/gacc_exports_2025-11_revised.csv")
UI_PARTITION = "2025-11-01"
SAMPLE_FILES = 48
STATUS_RUNS_PER_REPEAT = 3
SETTLE_S = 5.0
COMMAND_TIMEOUT_S = 1800
SERVER_READY_TIMEOUT_S = 300
RUN_TIMEOUT_S = 1200
# Variables of an outer `make bench-runs` that must not reach the `make` we time.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    target: float
    stretch: float | None = None

    def target_text(self) -> str:
        return f">= {self.target:g}x" + (f" (stretch {self.stretch:g}x)" if self.stretch else "")


STEPS = (
    Step("revision", "one-file revision load", 3.0, 4.0),
    Step("cold", "24-month cold sample load", 2.0),
    Step("status", "rare-earth status", 5.0),
    Step("ui-month", "one month launched from the UI", 3.0),
    Step("docs", "make docs", 3.0),
    Step("dev", "make dev until first response", 2.0),
)
STEP_BY_KEY = {step.key: step for step in STEPS}


@dataclass
class Side:
    name: str  # "base" or "current"
    root: Path  # the checkout
    work: Path  # this side's scratch folder under --data-dir
    loaded: Path | None = None  # a copy of a warehouse loaded with the sample, restored for each measurement

    @property
    def warehouse(self) -> Path:
        """Where the sample was loaded, and where each measurement finds it again: a warehouse stays in its
        folder from one month to the next, and dbt's state (e.g. its partial parse) names that folder."""
        return self.work / "warehouse"

    revised_bytes: bytes | None = None
    refused: dict[str, str] = field(default_factory=dict)  # step -> why it cannot be measured on this side
    dev_uses_port_variable: bool = False

    @property
    def bin(self) -> Path:
        return self.root / ".venv" / "bin"

    @property
    def rare_earth(self) -> str:
        return str(self.bin / "rare-earth")


@dataclass
class Sample:
    seconds: float | None
    extra: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def log(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} {message}", flush=True)


# --- processes ---------------------------------------------------------------------------------------


def child_env(warehouse: Path | None, side: Side | None = None) -> dict[str, str]:
    """The environment of a measured process: no DAGSTER_HOME, venv or make state of ours leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in (*MAKE_VARIABLES, "DAGSTER_HOME", "VIRTUAL_ENV")}
    env.pop("PYTHONPATH", None)
    if warehouse is not None:
        env["WAREHOUSE_DIR"] = str(warehouse)
    else:
        env.pop("WAREHOUSE_DIR", None)
    if side is not None:
        env["PATH"] = f"{side.bin}:{env['PATH']}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(
    cmd: list[str], cwd: Path, env: dict[str, str], log_file: Path, timeout: float = COMMAND_TIMEOUT_S
) -> tuple[float, int]:
    """Run one command to its end, output to log_file; returns (seconds, exit code)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        out.write(f"$ {' '.join(cmd)}\n".encode())
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process_tree(proc)
            raise
        seconds = time.perf_counter() - start
    return seconds, code


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def checked(cmd: list[str], cwd: Path, env: dict[str, str], log_file: Path) -> float:
    seconds, code = run(cmd, cwd, env, log_file)
    if code != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited {code}; see {log_file}:\n{tail(log_file)}")
    return seconds


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    if not Path("/proc").is_dir():
        return []
    children = _children_by_parent()
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop_process_tree(proc: subprocess.Popen[Any], grace_s: float = 60.0) -> None:
    """Stop a process started here in its own session: SIGTERM to its process group, then SIGKILL to the group
    and to every descendant recorded before (one that left the group with its own session included)."""
    tree = descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    if proc.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in tree):
        time.sleep(0.2)
    for target in (proc.pid, *tree):
        try:
            if target == proc.pid:
                os.killpg(target, signal.SIGKILL)
            else:
                os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the base: worktree and venv ---------------------------------------------------------------------


def git(*args: str, cwd: Path = REPO_ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def ensure_base(data_dir: Path, commit: str, logs: Path) -> Path:
    """The base's worktree with its own venv: reused when present and complete."""
    full = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    folder = data_dir / f"base-{full[:7]}"
    if folder.exists():
        try:
            ok = git("rev-parse", "HEAD", cwd=folder) == full
        except subprocess.CalledProcessError:
            ok = False
        if ok and (changed := git("status", "--porcelain", cwd=folder)):
            log(f"warning: the base worktree {folder} has changes: {' '.join(changed.split())[:300]}")
        if not ok:
            log(f"{folder} is not a checkout of {full[:7]}: recreating it")
            subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=REPO_ROOT, capture_output=True)
            shutil.rmtree(folder, ignore_errors=True)
    if not folder.exists():
        git("worktree", "prune")
        log(f"git worktree add {folder} {full[:7]}")
        git("worktree", "add", "--detach", str(folder), full)

    venv = folder / ".venv"
    fingerprint = (folder / "pyproject.toml").read_bytes() + (folder / "requirements.lock").read_bytes()
    marker = venv / ".bench-runs-installed"
    if not (marker.exists() and marker.read_bytes() == fingerprint):
        started = time.perf_counter()
        log(f"installing the base's venv in {venv} from its requirements.lock (about 2 minutes, once)")
        shutil.rmtree(venv, ignore_errors=True)
        # The interpreter of the current venv, so that both sides run on the same Python.
        python = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable
        env = child_env(None)
        checked([python, "-m", "venv", str(venv)], folder, env, logs / "base-install.log")
        checked(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-c",
                "requirements.lock",
                "-e",
                ".",
            ],
            folder,
            env,
            logs / "base-install.log",
        )
        marker.write_bytes(fingerprint)
        log(f"base venv installed in {time.perf_counter() - started:.0f} s")
    # The Makefile's own stamp, newer than pyproject.toml and requirements.lock: `make docs`/`make dev` of the
    # base then never reinstall while they are timed.
    (venv / ".installed").touch()
    return folder


def remove_base(folder: Path) -> None:
    log(f"removing the base worktree {folder}")
    subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=REPO_ROOT, capture_output=True)
    shutil.rmtree(folder, ignore_errors=True)
    git("worktree", "prune")


# --- warehouses ----------------------------------------------------------------------------------------


def restored_warehouse(side: Side) -> Path:
    assert side.loaded is not None
    return copy_warehouse(side.loaded, side.warehouse)


def copy_warehouse(source: Path, to: Path) -> Path:
    shutil.rmtree(to, ignore_errors=True)
    # symlinks=True: the published file and exports/ are links into the current generation.
    shutil.copytree(source, to, symlinks=True, ignore=shutil.ignore_patterns("postgres", "*.lock"))
    os.sync()  # the copy's writeback is not left to slow down the command timed next
    return to


def audit_status(warehouse: Path, like: str) -> list[tuple[str, str]]:
    import duckdb  # the current venv's; both releases write DuckDB 2.0 build databases

    con = duckdb.connect(str(warehouse / "build" / "rare_earth_build.duckdb"), read_only=True)
    try:
        return con.execute("select file_name, status from audit.files where file_name like ?", [like]).fetchall()
    finally:
        con.close()


def make_dry_run(side: Side, target: str, warehouse: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """The commands `make TARGET` would run in this checkout, as make prints them (-n)."""
    out = subprocess.run(
        ["make", "-n", target, f"WAREHOUSE_DIR={warehouse}", *extra],
        cwd=side.root,
        env=child_env(warehouse, side),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if line.strip() and not line.startswith("make")]


def would_install(lines: list[str]) -> bool:
    return any("pip install" in line or " -m venv " in line for line in lines)


def prepare_side(side: Side, steps: list[Step], logs: Path) -> None:
    """Not timed: `make parse`, the loaded warehouse every step copies, the revised file, and what `make`
    would run for docs and dev."""
    side.work.mkdir(parents=True, exist_ok=True)
    probe = side.work / "probe-warehouse"
    env = child_env(probe, side)
    for target in ("docs", "dev"):
        if would_install(make_dry_run(side, target, probe)):
            side.refused[target] = f"`make {target}` would (re)install {side.root / '.venv'}: run `make install` first"
    side.dev_uses_port_variable = "-p 54321" in " ".join(make_dry_run(side, "dev", probe, ("PORT=54321",)))
    log(f"{side.name}: make parse")
    # -o: never (re)install the venv from here, whatever the stamp says.
    checked(["make", "-o", ".venv/.installed", "parse", f"WAREHOUSE_DIR={probe}"], side.root, env, logs / "prepare.log")
    if not any(step.key != "cold" for step in steps):
        return
    loaded = side.warehouse
    shutil.rmtree(loaded, ignore_errors=True)
    env = child_env(loaded, side)
    log(f"{side.name}: rare-earth sample and load into {loaded} (not timed)")
    checked([side.rare_earth, "sample"], side.root, env, logs / "prepare.log")
    seconds = checked([side.rare_earth, "load"], side.root, env, logs / "prepare.log")
    checked([side.rare_earth, "status"], side.root, env, logs / "prepare.log")  # a warm-up
    log(f"{side.name}: loaded in {seconds:.1f} s")
    side.revised_bytes = revised_copy((loaded / "landing" / REVISED_MONTH_FILE).read_bytes())
    side.loaded = copy_warehouse(loaded, side.work / "loaded")


# --- the Dagster UI ----------------------------------------------------------------------------------------


def graphql(url: str, query: str, variables: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = json.load(response)
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]


WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name jobs { name } } }
          ... on PythonError { message }
        }
      }
    }
  }
}"""

LAUNCH_MUTATION = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""

RUN_QUERY = """
query Run($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status creationTime startTime endTime } } }"""

DAEMONS_QUERY = """
query Daemons { instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }"""


@dataclass(frozen=True)
class Location:
    name: str
    repository: str


def loaded_location(url: str) -> Location | None:
    """The code location holding job monthly_load, once it is LOADED without error; None until then."""
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
            if response.status != 200:
                return None
        workspace = graphql(url, WORKSPACE_QUERY, timeout=5)["workspaceOrError"]
    except (urllib.error.URLError, ConnectionError, OSError, TimeoutError):
        return None
    if workspace["__typename"] != "Workspace":
        return None
    for entry in workspace["locationEntries"]:
        location = entry["locationOrLoadError"] or {}
        if entry["loadStatus"] != "LOADED":
            continue
        if location.get("__typename") == "PythonError":
            raise RuntimeError(f"code location {entry['name']} failed to load: {location['message'][:2000]}")
        for repository in location.get("repositories", []):
            if any(job["name"] == "monthly_load" for job in repository["jobs"]):
                return Location(entry["name"], repository["name"])
    return None


def dev_command(side: Side, warehouse: Path, port: int) -> tuple[list[str], str]:
    """How to start `make dev` on `port`: `make dev PORT=...` when the Makefile honours PORT, otherwise the
    commands that `make -n dev` prints (the prerequisites' and the target's) with the port replaced."""
    if side.dev_uses_port_variable:
        return ["make", "dev", f"WAREHOUSE_DIR={warehouse}", f"PORT={port}"], "make dev PORT=..."
    lines = make_dry_run(side, "dev", warehouse)
    port_option = re.compile(r"(-p|--port)(\s+)\d+")
    server = [i for i, line in enumerate(lines) if re.search(r"\sdev\s", line) and port_option.search(line)]
    if not server:
        raise RuntimeError(f"cannot find the server command (with -p PORT) in `make -n dev`: {lines}")
    lines[server[-1]] = port_option.sub(rf"\g<1>\g<2>{port}", lines[server[-1]])
    # make runs each line in its own shell, from the checkout's folder.
    script = "\n".join(f"( {line} ) || exit $?" for line in lines)
    return ["/bin/sh", "-c", script], "the commands of `make -n dev`, port replaced"


@dataclass
class Server:
    proc: subprocess.Popen[Any]
    url: str
    log_file: Path
    started: float


def start_server(side: Side, warehouse: Path, log_file: Path) -> Server:
    port = free_port()
    cmd, _how = dev_command(side, warehouse, port)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    out = log_file.open("ab")
    out.write(f"$ {' '.join(cmd)}\n".encode())
    out.flush()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=side.root,
        env=child_env(warehouse, side),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: make, the webserver, the daemon, their code servers
    )
    out.close()
    return Server(proc, f"http://127.0.0.1:{port}", log_file, started)


def wait_loaded(server: Server, poll_s: float) -> tuple[Location, float, float]:
    """Poll until the location is loaded; returns it, the seconds to the first /server_info 200 and to LOADED."""
    first_response: float | None = None
    deadline = time.monotonic() + SERVER_READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"the server exited {server.proc.returncode}; see {server.log_file}:\n{tail(server.log_file)}"
            )
        if first_response is None:
            try:
                with urllib.request.urlopen(f"{server.url}/server_info", timeout=2) as response:
                    if response.status == 200:
                        first_response = time.perf_counter() - server.started
            except (urllib.error.URLError, ConnectionError, OSError, TimeoutError):
                pass
        if first_response is not None:
            location = loaded_location(server.url)
            if location is not None:
                return location, first_response, time.perf_counter() - server.started
        time.sleep(poll_s)
    raise RuntimeError(f"no loaded code location after {SERVER_READY_TIMEOUT_S} s; see {server.log_file}")


def wait_run_queue_daemon(url: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            statuses = graphql(url, DAEMONS_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
            if any(s["daemonType"] == "QUEUED_RUN_COORDINATOR" and s["healthy"] for s in statuses):
                return
        except (urllib.error.URLError, ConnectionError, OSError, TimeoutError, RuntimeError):
            pass
        time.sleep(1)
    log(f"  (the run queue daemon did not report healthy in {timeout_s:.0f} s; launching anyway)")


# --- the measurements ----------------------------------------------------------------------------------------


def measure_revision(side: Side, folder: Path, logs: Path) -> Sample:
    assert side.revised_bytes is not None
    warehouse = restored_warehouse(side)
    target = warehouse / "landing" / REVISED_FILE
    target.write_bytes(side.revised_bytes)
    started = time.time()
    seconds = checked([side.rare_earth, "load"], side.root, child_env(warehouse, side), logs / "revision-load.log")
    statuses = audit_status(warehouse, f"%{REVISED_FILE.name}")
    if not statuses or statuses[-1][1] != "loaded":
        raise RuntimeError(f"the revised file was not loaded: audit.files says {statuses}")
    return Sample(seconds, extra=run_phases(warehouse / "dagster_home", started, started + seconds))


# Where a load's seconds go, from the step events of its Dagster run: the first phase a step key matches.
PHASES = (
    ("raw suite", ("raw_month",)),
    ("other suites", ("expectations",)),
    ("dbt step", ("dbt",)),
    ("ingest", ("customs_lines", "ingest")),
    ("publish", ("rare_earth_duckdb", "publish")),
    ("Data Docs and report", ("data_docs", "report")),
)


def run_phases(dagster_home: Path, process_start: float, process_end: float) -> dict[str, float]:
    """Seconds per phase of the latest run in the instance (stdlib sqlite3 on Dagster's SQLite files): before
    the run starts, each group of steps, Dagster's time between steps, and after the run ends; empty when
    the instance is not where it is looked for."""
    import sqlite3

    runs_db, shards = dagster_home / "history" / "runs.db", dagster_home / "history" / "runs"
    if not runs_db.exists():
        return {}
    with contextlib.closing(sqlite3.connect(runs_db)) as con:
        row = con.execute("select run_id from runs order by create_timestamp desc limit 1").fetchone()
    if row is None or not (shards / f"{row[0]}.db").exists():
        return {}
    with contextlib.closing(sqlite3.connect(shards / f"{row[0]}.db")) as con:
        events = con.execute("select dagster_event_type, step_key, timestamp from event_logs order by id").fetchall()

    def at(text: str) -> float:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()

    run_kinds = ("PIPELINE_START", "PIPELINE_SUCCESS", "PIPELINE_FAILURE")
    run_events = [at(ts) for kind, _, ts in events if kind in run_kinds]
    if len(run_events) < 2:
        return {}
    phases = {"before the run": run_events[0] - process_start}
    started: dict[str, float] = {}
    in_steps = 0.0
    for kind, step, ts in events:
        if kind == "STEP_START":
            started[step] = at(ts)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step in started:
            took = at(ts) - started.pop(step)
            name = next((name for name, keys in PHASES if any(k in step for k in keys)), "other steps")
            phases[name] = phases.get(name, 0.0) + took
            in_steps += took
    phases["between steps"] = run_events[-1] - run_events[0] - in_steps
    phases["after the run"] = process_end - run_events[-1]
    return {f"{name} s": round(value, 2) for name, value in phases.items()}


def measure_cold(side: Side, folder: Path, logs: Path) -> Sample:
    warehouse = folder / "warehouse"
    shutil.rmtree(warehouse, ignore_errors=True)
    env = child_env(warehouse, side)
    checked([side.rare_earth, "sample"], side.root, env, logs / "cold-load.log")
    seconds = checked([side.rare_earth, "load"], side.root, env, logs / "cold-load.log")
    loaded = [s for _, s in audit_status(warehouse, "%") if s == "loaded"]
    if len(loaded) != SAMPLE_FILES:
        raise RuntimeError(f"{len(loaded)} of {SAMPLE_FILES} sample files loaded")
    return Sample(seconds)


def measure_status(side: Side, folder: Path, logs: Path) -> list[Sample]:
    warehouse = restored_warehouse(side)
    env = child_env(warehouse, side)
    return [
        Sample(checked([side.rare_earth, "status"], side.root, env, logs / "status.log"))
        for _ in range(STATUS_RUNS_PER_REPEAT)
    ]


def measure_ui_month(side: Side, folder: Path, logs: Path) -> Sample:
    warehouse = restored_warehouse(side)
    server = start_server(side, warehouse, logs / "ui-month-server.log")
    try:
        location, _, _ = wait_loaded(server, poll_s=0.5)
        wait_run_queue_daemon(server.url)
        time.sleep(SETTLE_S)
        params = {
            "selector": {
                "repositoryLocationName": location.name,
                "repositoryName": location.repository,
                "jobName": "monthly_load",
            },
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": UI_PARTITION}]},
        }
        log(f"  launching monthly_load {UI_PARTITION} on code location {location.name}, {location.repository}")
        start = time.perf_counter()
        launched = graphql(server.url, LAUNCH_MUTATION, {"params": params})["launchRun"]
        if launched["__typename"] != "LaunchRunSuccess":
            raise RuntimeError(f"launchRun on location {location.name}: {launched}")
        run_id = launched["run"]["runId"]
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while True:
            record = graphql(server.url, RUN_QUERY, {"id": run_id})["runOrError"]
            if record.get("status") in ("SUCCESS", "FAILURE", "CANCELED"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run_id} still {record.get('status')} after {RUN_TIMEOUT_S} s")
            time.sleep(0.5)
        seconds = time.perf_counter() - start
        if record["status"] != "SUCCESS":
            raise RuntimeError(f"run {run_id} ended {record['status']}; see {server.log_file}")
        extra = {"run_s": record["endTime"] - record["startTime"]}
        if record.get("creationTime"):
            # From the run's creation to its start: the queue daemon's pick-up and the run worker's start-up.
            extra["to_start_s"] = record["startTime"] - record["creationTime"]
        return Sample(seconds, extra)
    finally:
        stop_process_tree(server.proc)


def measure_docs(side: Side, folder: Path, logs: Path) -> Sample:
    warehouse = restored_warehouse(side)
    seconds = checked(
        ["make", "docs", f"WAREHOUSE_DIR={warehouse}"], side.root, child_env(warehouse, side), logs / "docs.log"
    )
    if not (warehouse / "docs" / "dbt" / "index.html").exists():
        raise RuntimeError(f"make docs wrote no {warehouse / 'docs' / 'dbt' / 'index.html'}")
    return Sample(seconds)


def measure_dev(side: Side, folder: Path, logs: Path) -> Sample:
    warehouse = restored_warehouse(side)
    server = start_server(side, warehouse, logs / "dev-server.log")
    try:
        _, first_response, loaded = wait_loaded(server, poll_s=0.25)
    finally:
        stop_process_tree(server.proc)
    return Sample(loaded, {"server_info_s": first_response})


MEASURE: dict[str, Callable[[Side, Path, Path], Sample | list[Sample]]] = {
    "revision": measure_revision,
    "cold": measure_cold,
    "status": measure_status,
    "ui-month": measure_ui_month,
    "docs": measure_docs,
    "dev": measure_dev,
}


# --- the report ----------------------------------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def verdict(step: Step, ratio: float | None) -> str:
    if ratio is None:
        return "not measured"
    if ratio < step.target:
        return "MISSED"
    if step.stretch and ratio < step.stretch:
        return "met (stretch missed)"
    return "met" + (" (stretch met)" if step.stretch else "")


def report(steps: list[Step], results: dict[str, dict[str, list[Sample]]], sides: dict[str, Side]) -> dict[str, Any]:
    def fmt(value: float | None, suffix: str = "") -> str:
        return "-" if value is None else f"{value:.2f}{suffix}"

    rows: list[dict[str, Any]] = []
    print()
    print(f"{'step':<32} {'base s':>8} {'current s':>10} {'ratio':>7}  {'target':<22} result")
    for step in steps:
        per_side = {name: [s.seconds for s in results[step.key][name] if s.seconds is not None] for name in sides}
        base, current = median(per_side["base"]), median(per_side["current"])
        ratio = base / current if base and current else None
        result = verdict(step, ratio)
        rows.append(
            {
                "step": step.key,
                "title": step.title,
                "base_median_s": base,
                "current_median_s": current,
                "ratio": ratio,
                "target": step.target,
                "stretch": step.stretch,
                "result": result,
                "samples": {
                    name: [{"seconds": s.seconds, **s.extra, "error": s.error} for s in results[step.key][name]]
                    for name in sides
                },
            }
        )
        target = step.target_text()
        print(f"{step.title:<32} {fmt(base):>8} {fmt(current):>10} {fmt(ratio, 'x'):>7}  {target:<22} {result}")
    print()
    print("every sample (seconds; errors below):")
    for step in steps:
        for name in sides:
            samples = results[step.key][name]
            text = ", ".join("error" if s.seconds is None else f"{s.seconds:.2f}" for s in samples)
            extras = sorted({key for s in samples for key in s.extra})
            for key in extras:
                values = [s.extra[key] for s in samples if key in s.extra]
                text += f"; {key} median {median(values):.2f}"
            print(f"  {step.key:<9} {name:<8} {text}")
    errors = [(step.key, name, s.error) for step in steps for name in sides for s in results[step.key][name] if s.error]
    for key, name, error in errors:
        print(f"  error in {key} ({name}): {error}")
    for name, side in sides.items():
        for key, why in side.refused.items():
            if key in results:
                print(f"  {key} not measured on {name}: {why}")
    return {"rows": rows}


def summary(rows: list[dict[str, Any]]) -> None:
    met = [r for r in rows if r["result"].startswith("met")]
    missed = [r for r in rows if r["result"] == "MISSED"]
    absent = [r for r in rows if r["result"] == "not measured"]
    print()
    print(
        f"summary: {len(met)} of {len(rows)} targets met"
        + (f", {len(missed)} missed" if missed else "")
        + (f", {len(absent)} not measured" if absent else "")
    )
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        print(f"  {r['title']}: {ratio} (target >= {r['target']:g}x) {r['result']}")


# --- main --------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2, help="measurements per step and side (default 2)")
    parser.add_argument(
        "--only", action="append", choices=sorted(STEP_BY_KEY), help="measure only this step (may be repeated)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch warehouses and logs under --data-dir")
    parser.add_argument("--remove-base", action="store_true", help="remove the base's worktree and venv at the end")
    parser.add_argument("--base", default=BASE_COMMIT, help=f"the release before (default {BASE_COMMIT})")
    parser.add_argument(
        "--data-dir", type=Path, default=REPO_ROOT / "bench-data", help="the base checkout and scratch space"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    steps = [s for s in STEPS if not args.only or s.key in args.only]
    data_dir = args.data_dir.resolve()
    work = data_dir / "runs-work"
    shutil.rmtree(work, ignore_errors=True)
    logs = work / "logs"
    logs.mkdir(parents=True)
    log(f"bench-runs: {', '.join(s.key for s in steps)}; {args.repeats} repeats; scratch and logs in {work}")
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}")

    base_root = ensure_base(data_dir, args.base, logs)
    sides = {
        "base": Side("base", base_root, work / "base"),
        "current": Side("current", REPO_ROOT, work / "current"),
    }
    print(f"base: {git('log', '-1', '--format=%h %s', cwd=base_root)[:100]}")
    dirty = len(git("status", "--porcelain").splitlines())
    print(
        f"current: {git('log', '-1', '--format=%h %s')[:100]}" + (f" (+{dirty} uncommitted changes)" if dirty else "")
    )
    for side in sides.values():
        prepare_side(side, steps, logs / side.name)
        if "dev" in [s.key for s in steps] or "ui-month" in [s.key for s in steps]:
            how = "make dev PORT=..." if side.dev_uses_port_variable else "`make -n dev` commands, port replaced"
            log(f"{side.name}: the UI starts as {how}")

    results: dict[str, dict[str, list[Sample]]] = {s.key: {name: [] for name in sides} for s in steps}
    started = time.perf_counter()
    for step in steps:
        for repeat in range(1, args.repeats + 1):
            for side in sides.values():  # base, current, base, current, ...
                if step.key in side.refused:
                    continue
                folder = side.work / f"{step.key}-{repeat}"
                try:
                    measured = MEASURE[step.key](side, folder, logs / side.name)
                except Exception as error:  # a failed measurement is reported, the others go on
                    measured = Sample(None, error=f"{type(error).__name__}: {str(error)[:1500]}")
                samples = measured if isinstance(measured, list) else [measured]
                results[step.key][side.name].extend(samples)
                shown = ", ".join("error" if s.seconds is None else f"{s.seconds:.2f} s" for s in samples)
                extra = "".join(f", {k} {v:.2f} s" for s in samples for k, v in s.extra.items())
                log(f"{step.key} {repeat}/{args.repeats} {side.name}: {shown}{extra}")
                if args.keep and side.warehouse.exists() and not folder.exists():
                    side.warehouse.rename(folder)  # the restored warehouse as the step left it
                if not args.keep:
                    shutil.rmtree(folder, ignore_errors=True)
    log(f"measured in {(time.perf_counter() - started) / 60:.1f} min")

    table = report(steps, results, sides)
    out = data_dir / "bench-runs.json"
    out.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "repeats": args.repeats,
                "base": git("rev-parse", "HEAD", cwd=base_root),
                "current": git("rev-parse", "HEAD"),
                "current_uncommitted_changes": dirty,
                **table,
            },
            indent=2,
        )
    )
    print(f"\nresults: {out}" + (f"; warehouses and logs kept in {work}" if args.keep else f"; logs in {logs}"))
    if not args.keep:
        for side in sides.values():
            shutil.rmtree(side.work, ignore_errors=True)
    if args.remove_base:
        remove_base(base_root)
    summary(table["rows"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
