"""A second process for a load's expectation suites, Data Docs and report, started as the load begins.

A one-file load spends most of its time importing and starting libraries on one core: Dagster, dbt, and then
Great Expectations (about 2 s, half of it scipy, for expectations this project never uses) and the report's
Vega renderer (0.6 s to start, 0.3 s for altair). `rare-earth load`, and the run worker of a run launched
from the UI, therefore start this process before they import Dagster; it gets GX, altair and the renderer
ready on the second core (`_serve`) while the load imports Dagster and builds. The suites validate, and Data
Docs and the report render, here (`in_worker_process`), on frames and files the load's process hands over.
Where no such process was started (`rare-earth docs`, the tests) the work runs in the caller.

The process is started fresh (not forked: it inherits no open file, lock or thread of the load) and reads
requests from a socket; it ends when the load's process closes the socket or dies.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing import parent_process
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from orchestration.progress import logger as progress

PR_SET_PDEATHSIG = 1  # prctl(2)
Params = ParamSpec("Params")
Result = TypeVar("Result")


class _WorkerProcess:
    def __init__(self, log: Path) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        ours, theirs = socket.socketpair()
        self.log = log
        with ours, theirs, log.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno()), str(os.getpid())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
            self.connection = Connection(os.dup(ours.fileno()))
        self.lock = threading.Lock()

    def call(self, request: bytes) -> tuple[str, Any]:
        with self.lock:
            self.connection.send_bytes(request)
            return self.connection.recv()

    def stop(self) -> None:
        self.connection.close()
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait()


_started: _WorkerProcess | None = None


def start_worker_process(log: Path) -> None:
    """Start the worker process for this process's suites, Data Docs and report; its own output goes to `log`."""
    global _started
    if _started is None:
        _started = _WorkerProcess(log)
        atexit.register(stop_worker_process)


def start_worker_process_in_a_run_worker() -> None:
    """In the process of a run launched from the UI, about to load the definitions, start the worker process,
    so that such a run gets the second core as a load from the command line does."""
    if _runs_a_launched_run():
        from orchestration.warehouse import Warehouse

        start_worker_process(Warehouse.from_env().root / "logs" / "worker-process.log")


def _runs_a_launched_run() -> bool:
    # A code server (`dagster api grpc`, as `dg dev` starts it) runs each launched run in a child it starts
    # with multiprocessing (which hands the child the server's command line); a run launcher without a code
    # server starts `dagster api execute_run`. Other processes load the definitions too and need no worker.
    command = sys.argv[1:3]
    return command == ["api", "execute_run"] or (command == ["api", "grpc"] and parent_process() is not None)


def stop_worker_process() -> None:
    global _started
    if _started is not None:
        started, _started = _started, None
        started.stop()


def in_worker_process(function: Callable[Params, Result], *args: Params.args, **kwargs: Params.kwargs) -> Result:
    """`function(*args, **kwargs)`, in the worker process when one was started (arguments and result are pickled)."""
    started = _started
    if started is None:
        return function(*args, **kwargs)
    request = pickle.dumps((function, args, kwargs))  # what cannot go there fails here, as the caller's own error
    try:
        outcome, value = started.call(request)
    except (EOFError, OSError):
        # It died (killed, out of memory): this process does the work, only later than it could have.
        stop_worker_process()
        progress.warning(
            f"the worker process ended (exit code {started.process.returncode}, log {started.log}): "
            "this process does its work from here on"
        )
        return function(*args, **kwargs)
    except BaseException:  # interrupted while waiting: its answer would come to the next question
        stop_worker_process()
        raise
    if outcome == "raised":
        raise value
    return value


def _serve(connection: Connection) -> None:
    from orchestration.quality.runner import prepare_gx
    from orchestration.quality.suites import SUITES
    from orchestration.reports.report import prepare_report

    prepare_gx(suite.name for suite in SUITES)  # the first of them a load needs
    prepare_report()
    while True:
        try:
            request = connection.recv_bytes()
        except EOFError:  # the load's process is done (or gone)
            return
        try:
            function, args, kwargs = pickle.loads(request)
            reply: tuple[str, Any] = ("returned", function(*args, **kwargs))
        except Exception as error:  # the caller raises it, as if the call had been its own
            reply = ("raised", error)
        try:
            connection.send(reply)
        except Exception as unpicklable:
            connection.send(("raised", RuntimeError(f"{reply[1]!r} (not picklable: {unpicklable})")))


def _die_with(parent: int) -> None:
    """Be killed when the load's process dies, however it dies (Linux; elsewhere the closed socket ends it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before this process asked
        sys.exit(0)


if __name__ == "__main__":
    # An interrupt reaches the whole process group: the load's process decides what it means and stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(int(sys.argv[2]))
    from orchestration.short_process import collect_rarely

    collect_rarely()
    _serve(Connection(int(sys.argv[1])))
