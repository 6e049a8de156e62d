"""`rare-earth status` reads the build database alone: the checks' latest outcomes come from
audit.check_outcomes, and Dagster (seconds to import) is never imported."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from orchestration.build_database import build_db, record_check_outcomes
from orchestration.warehouse import REPO_ROOT, Warehouse


def status(warehouse: Warehouse) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "orchestration.cli", "--warehouse", str(warehouse.root), "status"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_says_warnings_and_errors_per_check_without_importing_dagster(warehouse: Warehouse) -> None:
    months = [date(2025, m, 1) for m in range(1, 13)]
    with build_db(warehouse) as con:
        record_check_outcomes(con, "raw_month_expectations", {m: ("passed", None) for m in months})
        record_check_outcomes(
            con,
            "marts_month_expectations",
            {m: ("warning" if m.month in (5, 6) else "passed", "a move beyond its band") for m in months},
        )
        record_check_outcomes(con, "staged_month_expectations", {date(2025, 11, 1): ("error", "unknown codes")})
    shown = status(warehouse)
    assert shown.returncode == 0, shown.stderr
    assert "checks (the latest outcome of each month they checked):" in shown.stdout
    assert "  passed: raw_month_expectations\n" in shown.stdout
    assert "  warnings: marts_month_expectations in 2 of 12 months (2025-05, 2025-06)\n" in shown.stdout
    assert "  errors: staged_month_expectations in 1 of 1 month (2025-11)\n" in shown.stdout
    assert "failing" not in shown.stdout and "failed" not in shown.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in shown.stderr.splitlines() if "|" in line]
    assert imported and not [name for name in imported if name.split(".")[0] in ("dagster", "dagster_dbt")]


def test_status_of_a_warehouse_never_checked(warehouse: Warehouse) -> None:
    with build_db(warehouse):
        pass
    shown = status(warehouse)
    assert shown.returncode == 0, shown.stderr
    assert "exports: 0 months loaded" in shown.stdout
    assert "checks: none recorded yet" in shown.stdout
    assert "last publish: never" in shown.stdout
