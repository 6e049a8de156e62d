"""The Dagster UI in a real browser: `dg dev` (as `make dev` runs it) on the sample warehouse, in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, SampleLoad
from playwright.sync_api import Page, expect, sync_playwright

from orchestration.warehouse import INSTANCE_CONFIG, REPO_ROOT

pytestmark = pytest.mark.slow

LOCATION = "rare_earth"  # [tool.dg.project] code_location_name
SAMPLE_MONTHS = 24


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dagster_ui(sample_load: SampleLoad, tmp_path: Path) -> Iterator[str]:
    """`make dev` (`dg dev`) on a copy of the sample warehouse as loaded, with the Dagster instance that recorded the
    sample load, on a free loopback port; every process stopped after."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(sample_load.pristine, warehouse)
    home = warehouse / "dagster_home"
    shutil.copyfile(INSTANCE_CONFIG, home / "dagster.yaml")
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    log = (tmp_path / "dagster_dev.log").open("w")
    server = subprocess.Popen(
        [str(bin_dir / "dg"), "dev", "--no-check-yaml", "-h", "127.0.0.1", "-p", str(port)],
        env={
            **os.environ,
            "WAREHOUSE_DIR": str(warehouse),
            "DAGSTER_HOME": str(home),
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
        },
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # one process group: the webserver, the daemon and their code servers
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: urllib.request.urlopen(f"{url}/server_info", timeout=5).status == 200, 180, "dg dev")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _wait_for(condition: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(1)
    raise AssertionError(f"{what} not ready after {timeout_s:.0f} s")


def _graphql(url: str, query: str, variables: dict[str, object]) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["data"]


def _launch_monthly_load(url: str, partition: str) -> str:
    launched = _graphql(
        url,
        """mutation Launch($params: ExecutionParams!) {
             launchRun(executionParams: $params) {
               __typename
               ... on LaunchRunSuccess { run { runId } }
               ... on PythonError { message }
             }
           }""",
        {
            "params": {
                "selector": {
                    "repositoryLocationName": LOCATION,
                    "repositoryName": "__repository__",
                    "jobName": "monthly_load",
                },
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
            }
        },
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _run_status(url: str, run_id: str) -> str:
    return _graphql(url, "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})[
        "runOrError"
    ]["status"]


def _dismiss_welcome(page: Page) -> None:
    skip = page.get_by_role("button", name="Skip")
    if skip.count():
        skip.click()


def _expect_loaded_months_not_missing(page: Page, url: str, screenshot: Path) -> None:
    """The job's Partitions page counts as missing only the months that were never loaded."""
    page.goto(f"{url}/locations/{LOCATION}/jobs/monthly_load/partitions", wait_until="networkidle")
    _dismiss_welcome(page)
    body = page.locator("body")
    expect(body).to_contain_text("Missing partitions", timeout=60_000)
    text = body.inner_text()
    total = int(re.search(r"(\d+)\s*Total partitions", text).group(1))  # type: ignore[union-attr]
    missing = int(re.search(r"(\d+)\s*Missing partitions", text).group(1))  # type: ignore[union-attr]
    page.screenshot(path=screenshot)
    assert missing == total - SAMPLE_MONTHS, f"{missing} of {total} partitions missing, see {screenshot}"


def test_a_data_engineer_sees_the_graph_launches_a_month_and_reads_the_report_metadata(
    dagster_ui: str, tmp_path: Path
) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1800, "height": 1100})
            # The asset graph upstream of the publish: ingest, the dbt models, the publish itself.
            page.goto(
                f"{dagster_ui}/assets/serving/rare_earth_duckdb?view=lineage&lineageScope=upstream&lineageDepth=8",
                wait_until="networkidle",
            )
            _dismiss_welcome(page)
            graph = page.locator("body")
            for asset in ("customs_lines", "stg_", "fct_trade_monthly", "monthly_headlines", "rare_earth_duckdb"):
                expect(graph).to_contain_text(asset, timeout=60_000)
            for group in ("raw", "staging", "intermediate", "marts", "serving"):
                expect(graph).to_contain_text(group)
            page.screenshot(path=tmp_path / "asset_graph.png")

            # The sample load's 24 months are materialised for every asset of the job: none of them missing.
            _expect_loaded_months_not_missing(page, dagster_ui, tmp_path / "partitions.png")
            # A check that passed says so, in the list and in its detail.
            page.goto(f"{dagster_ui}/assets/raw/customs_lines?view=checks", wait_until="networkidle")
            checks = page.locator("body")
            expect(checks).to_contain_text("raw_month_expectations", timeout=60_000)
            expect(checks).to_contain_text("Succeeded")
            expect(checks).to_contain_text("Passed")
            expect(checks).not_to_contain_text("Skipped")
            # The launch dialog of the job: no warning about backfill policies.
            page.goto(f"{dagster_ui}/locations/{LOCATION}/jobs/monthly_load/partitions", wait_until="networkidle")
            page.get_by_role("button", name="Materialize…").click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("Launch backfill", timeout=60_000)
            expect(dialog).not_to_contain_text("backfill policies")
            page.keyboard.press("Escape")

            worker_log = tmp_path / "warehouse" / "logs" / "worker-process.log"
            worker_log.unlink(missing_ok=True)  # the sample load's (from the command line)
            run_id = _launch_monthly_load(dagster_ui, "2025-11-01")
            deadline = time.monotonic() + 600
            while (status := _run_status(dagster_ui, run_id)) not in ("SUCCESS", "FAILURE", "CANCELED"):
                assert time.monotonic() < deadline, f"run {run_id} still {status}"
                time.sleep(2)
            assert status == "SUCCESS", f"run {run_id} ended {status}: see {tmp_path / 'dagster_dev.log'}"
            assert worker_log.exists(), "the run worker started no worker process for the suites and the report"

            page.goto(
                f"{dagster_ui}/assets/reports/monthly_report?view=events",  # not partitioned: one report
                wait_until="networkidle",
            )
            _dismiss_welcome(page)
            body = page.locator("body")
            expect(body).to_contain_text(re.compile(f"materialized in run {run_id[:8]}", re.IGNORECASE), timeout=60_000)
            expect(body).to_contain_text("key_takeaways")
            expect(body).to_contain_text("2025-05: 46 t")  # the trough, from the report's metadata
            page.screenshot(path=tmp_path / "report_asset.png")
            _expect_loaded_months_not_missing(page, dagster_ui, tmp_path / "partitions_after_run.png")
        finally:
            browser.close()
    assert (tmp_path / "asset_graph.png").stat().st_size > 10_000


def test_the_report_renders_every_chart_in_a_browser_without_network(sample_load: SampleLoad, tmp_path: Path) -> None:
    from orchestration.reports.report import SECTIONS, build_report

    report = build_report(sample_load.pristine / "rare_earth.duckdb", tmp_path / "report")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.index.as_uri(), wait_until="load")
            for name in SECTIONS:
                expect(page.locator(f"#chart-{name} canvas, #chart-{name} svg").first).to_be_visible(timeout=30_000)
            expect(page.locator("#takeaways")).to_contain_text("fell 11.3% month on month to 582 t")
            expect(page.locator("#vintage")).to_contain_text("Data vintage: exports 2024-01 to 2025-12")
            page.screenshot(path=tmp_path / "report.png", full_page=True)
        finally:
            browser.close()
    assert [url for url in requests if not url.startswith("file://")] == []  # nothing fetched from a network
