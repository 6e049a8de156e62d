"""Failed expectations in a reader's words: the notes the report shows under a month's data-quality status.

A check records one note per line in `audit.check_outcomes.summary`. The notes are worded from the outcome's
facts (its located rows and their context, its severity and description), never from the engineer's summary
(ExpectationOutcome.summary, which the check's metadata and the terminal keep):

    May 2025: magnet exports to the US fell 85.2% on the month, beyond their usual range (±53%); published as is
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from orchestration.quality.runner import ExpectationOutcome
from orchestration.quality.summaries import shown_value
from orchestration.rules import product_group_labels, us_partner_code

# What a month's failure means for what readers see (checks.py holds an error month back).
CONSEQUENCES = {"warning": "published as is", "error": "held back, so the month keeps its last published state"}

# The column of the marts suite's band expectation (expectations/marts_month.json): its located rows carry the
# series' month, its move (mom_pct) and the band the move broke.
MOVE_COLUMN = "mom_beyond_band"
# The column of the mirror suite's band expectation (expectations/mirror_month.json): its located rows carry the
# month, the gap (tonnes_gap_pct) and the band around the series' usual gap, which comes as context.
GAP_COLUMN = "gap_beyond_band"


def month_notes(month: date, outcomes: Iterable[ExpectationOutcome]) -> list[str]:
    """One note per series that moved beyond its band, and one per other failed expectation, each once."""
    notes: list[str] = []
    for outcome in outcomes:
        notes += _move_notes(outcome) or _gap_notes(outcome) or [_rule_note(month, outcome)]
    return list(dict.fromkeys(notes))


def _consequence(outcome: ExpectationOutcome) -> str:
    return CONSEQUENCES.get(outcome.severity, CONSEQUENCES["warning"])


def _move_notes(outcome: ExpectationOutcome) -> list[str]:
    """One note per series whose month-on-month move broke its band; none for any other expectation."""
    if outcome.column != MOVE_COLUMN:
        return []
    contexts = outcome.context or tuple({} for _ in outcome.located)
    return [
        f"{row['month']:%B %Y}: {_series_words(row, context)} {'rose' if row['mom_pct'] > 0 else 'fell'} "
        f"{abs(row['mom_pct']):.1f}% on the month, beyond their usual range (±{row['band']:.0f}%); "
        + _consequence(outcome)
        for row, context in zip(outcome.located, contexts, strict=True)
        if isinstance(row.get("month"), date) and row.get("mom_pct") is not None and row.get("band") is not None
    ]


def _gap_notes(outcome: ExpectationOutcome) -> list[str]:
    """One note per mirror series whose gap left its band, e.g. "June 2025: the US reported 45.0% more magnet
    imports from China than China reported exporting to it (usually -0.4%, ±30 points); published as is"."""
    if outcome.column != GAP_COLUMN:
        return []
    contexts = outcome.context or tuple({} for _ in outcome.located)
    notes = []
    for row, context in zip(outcome.located, contexts, strict=True):
        gap, usual, band = row.get("tonnes_gap_pct"), context.get("usual_gap_pct"), row.get("band")
        if not isinstance(row.get("month"), date) or gap is None or usual is None or band is None:
            continue
        iso3 = str(context.get("partner_iso3"))
        reporter = "the US" if iso3 == "USA" else str(context.get("partner_name_en") or iso3)
        exports = product_group_labels().get(str(context.get("product_group")), "rare-earth exports")
        notes.append(
            f"{row['month']:%B %Y}: {reporter} reported {abs(gap):.1f}% {'more' if gap > 0 else 'less'} "
            f"{exports.replace('exports', 'imports')} from China than China reported exporting to it "
            f"(usually {usual:+.1f}%, ±{band:.0f} points); " + _consequence(outcome)
        )
    return notes


def _series_words(row: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    """E.g. "magnet exports to the US", from the series' product group and partner; the series' own name when the
    outcome carries neither."""
    group, partner = context.get("product_group"), context.get("partner_code")
    if group is None or partner is None:
        return shown_value(row.get("series"))
    destination = {"WORLD": "the world", us_partner_code(): "the US"}.get(str(partner), f"partner {partner}")
    return f"{product_group_labels().get(str(group), f'{group} exports')} to {destination}"


def _rule_note(month: date, outcome: ExpectationOutcome) -> str:
    """E.g. "November 2025: 2 lines fail “Quantities are never negative” (the first: source file ..., row number 3,
    quantity kg -5.0); held back, ..."."""
    count = outcome.unexpected_count
    found = f"{count:,} {'line fails' if count == 1 else 'lines fail'}" if count else "the month fails"
    rule = outcome.description.rstrip(".") or outcome.expectation.replace("_", " ")
    first = (
        " (the first: "
        + ", ".join(f"{k.replace('_', ' ')} {shown_value(v)}" for k, v in outcome.located[0].items())
        + ")"
        if outcome.located
        else ""
    )
    return f"{month:%B %Y}: {found} “{rule}”{first}; {_consequence(outcome)}"
