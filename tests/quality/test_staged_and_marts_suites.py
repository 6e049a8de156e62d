"""The staged and marts suites on crafted months: which expectation fails, at what severity, naming what."""

from __future__ import annotations

import pandas as pd
import pytest
from suite_rows import MARTS_OK

from orchestration.quality.runner import run_suite

STAGED_OK = {
    "source_file": "exports/a_2025-11.csv",
    "hs_code": "85051110",
    "partner_code": "502",
    "product_known": True,
    "partner_known": True,
    "usd_per_kg": 50.0,
    "usd_per_kg_vs_history": 1.0,
}


def run(suite: str, rows: list[dict], locate_by: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    report = run_suite(suite, pd.DataFrame(rows), locate_by=locate_by)
    return {o.column or "": (o.severity, o.summary()) for o in (*report.errors, *report.warnings)}


@pytest.mark.parametrize(
    ("change", "column", "shown"),
    [
        ({"product_known": False, "hs_code": "28469097"}, "product_known", "hs_code=28469097"),
        ({"partner_known": False, "partner_code": "998"}, "partner_known", "partner_code=998"),
        ({"usd_per_kg": 900.0, "usd_per_kg_vs_history": 18.0}, "usd_per_kg_vs_history", "usd_per_kg=900.0"),
    ],
    ids=["unknown-commodity", "unknown-partner", "value-per-kg-off-history"],
)
def test_staged_month_warnings(change: dict, column: str, shown: str) -> None:
    assert run("staged_month", [STAGED_OK], ("source_file", "hs_code", "partner_code", "usd_per_kg")) == {}
    failed = run(
        "staged_month", [STAGED_OK, {**STAGED_OK, **change}], ("source_file", "hs_code", "partner_code", "usd_per_kg")
    )
    severity, summary = failed[column]
    assert severity == "warning" and shown in summary


@pytest.mark.parametrize(
    ("change", "column", "severity"),
    [
        ({"world_minus_partners": 12.5}, "world_minus_partners", "error"),
        ({"ytd_minus_months": -3.0}, "ytd_minus_months", "error"),
        ({"all_minus_groups": 0.5}, "all_minus_groups", "error"),
        (
            {"series": "magnets exports to United States", "mom_pct": -85.2, "band": 53.0, "mom_beyond_band": 32.2},
            "mom_beyond_band",
            "warning",
        ),
    ],
    ids=["world-not-sum-of-partners", "ytd-not-sum-of-months", "all-not-sum-of-groups", "mom-beyond-band"],
)
def test_marts_month_identities_block_and_moves_warn(change: dict, column: str, severity: str) -> None:
    locate = ("series", "month", "mom_pct", "band")
    assert run("marts_month", [MARTS_OK], locate) == {}
    failed = run("marts_month", [MARTS_OK, {**MARTS_OK, **change}], locate)
    assert set(failed) == {column}
    assert failed[column][0] == severity
    assert f"series={change.get('series', MARTS_OK['series'])}" in failed[column][1]
