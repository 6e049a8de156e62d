"""Suite outcomes condensed for people: each expectation explained once, one line per series, numbers rounded."""

from __future__ import annotations

from datetime import date

import pandas as pd

from orchestration.quality.runner import ExpectationOutcome, SuiteReport, run_suite_by
from orchestration.quality.summaries import error_lines, warning_lines

BAND = (
    "Month-on-month moves stay within a band learned from the series' history (4 x its median absolute move, "
    "at least 25 points); a move beyond it is shown, not blocked."
)
MARTS_OK = {
    "world_minus_partners": 0.0,
    "ytd_minus_months": 0.0,
    "all_minus_groups": 0.0,
}


def marts_row(month: str, series: str, mom_pct: float, band: float) -> dict[str, object]:
    return {
        **MARTS_OK,
        "month": pd.Timestamp(month),
        "series": series,
        "mom_pct": mom_pct,
        "band": band,
        "mom_beyond_band": abs(mom_pct) - band,
    }


def test_marts_warnings_of_several_months_come_as_one_line_per_series_with_the_explanation_once() -> None:
    us, world = "magnets exports to United States", "magnets exports to World"
    frame = pd.DataFrame(
        [
            marts_row("2025-04-01", us, -51.6, 48.4),
            marts_row("2025-05-01", us, -85.213517036359495, 53.0),
            marts_row("2025-05-01", world, -52.9, 32.7),
            marts_row("2025-05-01", "metals exports to World", 10.0, 30.0),  # within its band
            marts_row("2025-06-01", us, 667.4, 59.8),
        ]
    )
    reports = run_suite_by("marts_month", frame, ("month",), locate_by=("series", "month", "mom_pct", "band"))
    [outcome] = reports[(date(2025, 5, 1),)].warnings
    assert outcome.located[0]["series"] == us and outcome.located[0]["month"] == date(2025, 5, 1)
    assert outcome.examples  # the one-line summary still has its examples

    lines = warning_lines({f"{month:%Y-%m}": report for (month,), report in reports.items()})

    assert lines == [
        f"marts_month.expect_column_values_to_be_between on mom_beyond_band: {BAND}",
        f"  {us}: 2025-04 -51.6% (band=48.4, mom_beyond_band=3.2); 2025-05 -85.2% (band=53.0, mom_beyond_band=32.2); "
        "2025-06 +667.4% (band=59.8, mom_beyond_band=607.6)",
        f"  {world}: 2025-05 -52.9% (band=32.7, mom_beyond_band=20.2)",
    ]
    assert error_lines({f"{month:%Y-%m}": report for (month,), report in reports.items()}) == []


def outcome(severity: str, located: tuple[dict[str, object], ...] = (), **changes: object) -> ExpectationOutcome:
    fields: dict[str, object] = {
        "suite": "raw_month",
        "expectation": "expect_column_values_to_be_between",
        "column": "quantity_kg",
        "severity": severity,
        "description": "Quantities are not negative.",
        "success": False,
        "unexpected_count": len(located),
        "examples": ("example",),
        "located": located,
    }
    return ExpectationOutcome(**{**fields, **changes})  # type: ignore[arg-type]


def test_errors_group_by_file_and_say_what_was_not_located() -> None:
    negative = outcome(
        "error",
        (
            {"quantity_kg": -5, "source_file": "exports/a.csv", "row_number": 7},
            {"quantity_kg": -0.25, "source_file": "exports/a.csv", "row_number": 9},
            {"quantity_kg": -12345.678, "source_file": "exports/b.csv", "row_number": 2},
        ),
        unexpected_count=25,
    )
    capped = outcome(
        "error",
        expectation="expect_table_row_count_to_not_equal",
        column=None,
        description="Not exactly 10,000 rows: the portal's download cap.",
        unexpected_count=0,
        examples=("10000",),
    )
    noted = outcome("warning", ({"quantity_kg": 1.5, "source_file": "exports/c.csv", "row_number": 1},))
    reports = {
        "2025-11 export exports/a.csv": SuiteReport("raw_month", 10, (negative, noted)),
        "2025-12 export exports/d.csv": SuiteReport("raw_month", 10_000, (capped,)),
    }

    assert error_lines(reports) == [
        "raw_month.expect_column_values_to_be_between on quantity_kg: Quantities are not negative.",
        "  exports/a.csv: row_number=7, quantity_kg=-5; row_number=9, quantity_kg=-0.25",
        "  exports/b.csv: row_number=2, quantity_kg=-12,345.7",
        "  ... and 22 more rows not located here (the run's log in the Dagster UI has them)",
        "raw_month.expect_table_row_count_to_not_equal: Not exactly 10,000 rows: the portal's download cap.",
        "  2025-12 export exports/d.csv: failed, e.g. 10000",
    ]
    assert warning_lines(reports) == [
        "raw_month.expect_column_values_to_be_between on quantity_kg: Quantities are not negative.",
        "  exports/c.csv: row_number=1, quantity_kg=1.5",
    ]


def test_a_summary_without_located_rows_reads_as_before() -> None:
    plain = outcome("error", unexpected_count=2, examples=("-5", "-6"))
    assert plain.located == ()
    assert plain.summary() == (
        "[error] raw_month.expect_column_values_to_be_between on quantity_kg (Quantities are not negative.): "
        "2 unexpected, e.g. -5, -6"
    )
    assert error_lines({"2025-11": SuiteReport("raw_month", 2, (plain,))})[1:] == [
        "  2025-11: 2 unexpected, e.g. -5, -6"
    ]
