"""Failed expectations in a reader's words, from real suite runs: the facts of each located row, not the summary."""

from __future__ import annotations

from datetime import date

import pandas as pd

from orchestration.quality.notes import month_notes
from orchestration.quality.runner import run_suite, run_suite_by
from orchestration.quality.summaries import warning_lines

LOCATE_BY = ("series", "month", "mom_pct", "band")
CONTEXT_BY = ("product_group", "partner_code")
MAY = date(2025, 5, 1)


def marts_row(series: str, group: str, partner: str, mom_pct: float, band: float, **change: float) -> dict:
    return {
        "month": pd.Timestamp(MAY),
        "series": series,
        "product_group": group,
        "partner_code": partner,
        "mom_pct": mom_pct,
        "band": band,
        "world_minus_partners": 0.0,
        "ytd_minus_months": 0.0,
        "all_minus_groups": 0.0,
        "mom_beyond_band": abs(mom_pct) - band,
        **change,
    }


MAY_ROWS = pd.DataFrame(
    [
        marts_row("magnets exports to United States", "magnets", "502", -85.2, 53.0),
        marts_row("rare_earths_headline exports to World", "rare_earths_headline", "WORLD", 41.3, 29.5),
        marts_row("metals exports to World", "metals", "WORLD", 3.0, 30.0),  # within its band
    ]
)


def test_a_move_beyond_its_band_reads_as_the_series_its_size_and_what_readers_see() -> None:
    [(key, report)] = run_suite_by(
        "marts_month", MAY_ROWS, ("month",), locate_by=LOCATE_BY, context_by=CONTEXT_BY
    ).items()
    assert month_notes(key[0], report.warnings) == [
        "May 2025: magnet exports to the US fell 85.2% on the month, beyond their usual range (±53%); published as is",
        'May 2025: exports on the customs "rare earths" line (metals and compounds) to the world rose 41.3% on the '
        "month, beyond their usual range (±30%); published as is",
    ]


def test_the_context_stays_out_of_what_engineers_read() -> None:
    with_context = run_suite("marts_month", MAY_ROWS, locate_by=LOCATE_BY, context_by=CONTEXT_BY)
    without = run_suite("marts_month", MAY_ROWS, locate_by=LOCATE_BY)
    [outcome] = with_context.warnings
    assert outcome.context[0] == {"product_group": "magnets", "partner_code": "502"}
    assert [o.summary() for o in with_context.warnings] == [o.summary() for o in without.warnings]
    assert warning_lines({"2025-05": with_context}) == warning_lines({"2025-05": without})
    # Without the context, a note names the series as the suite's frame does.
    assert month_notes(MAY, without.warnings)[0].startswith("May 2025: magnets exports to United States fell 85.2%")


def test_a_broken_identity_is_told_by_its_rule_and_holds_the_month_back() -> None:
    rows = pd.DataFrame([marts_row("metals exports to World", "metals", "WORLD", 3.0, 30.0, world_minus_partners=12.5)])
    report = run_suite("marts_month", rows, locate_by=LOCATE_BY, context_by=CONTEXT_BY)
    assert month_notes(MAY, report.errors) == [
        "May 2025: 1 line fails “WORLD equals the sum over partners, for every product group” (the first: world minus "
        "partners 12.5, series metals exports to World, month 2025-05, mom pct 3.0, band 30.0); held back, so the "
        "month keeps its last published state"
    ]
