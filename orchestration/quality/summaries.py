"""Expectation outcomes condensed for people: what a check's metadata and the terminal show.

A suite run month by month repeats the same expectation, with the same explanation, once per month, and
GX gives its numbers at full float precision. Here each failed expectation is named once with its
explanation, followed by one line per series (the first locating column, e.g. `series` for the marts
suite, `source_file` for the raw suite) listing that series' located rows with rounded numbers:

    marts_month.expect_column_values_to_be_between on mom_beyond_band: Month-on-month moves stay within ...
      magnets exports to United States: 2025-05 -85.2% (band=53.0, mom_beyond_band=32.2); 2025-06 +667.4% (...)
      magnets exports to World: 2025-05 -52.9% (band=32.7, mom_beyond_band=20.2)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from orchestration.quality.runner import ExpectationOutcome, SuiteReport

Severity = Literal["warning", "error"]
# Series listed per expectation before the rest is counted, and rows per series before the same.
MAX_SERIES = 12
MAX_ROWS_PER_SERIES = 12


def warning_lines(reports: Mapping[str, SuiteReport]) -> list[str]:
    """The failed warning-level expectations of `reports` (keyed by what each validated group is, e.g. a
    month label), condensed: see the module's docstring."""
    return outcome_lines(reports, "warning")


def error_lines(reports: Mapping[str, SuiteReport]) -> list[str]:
    """The failed error-level expectations of `reports`, condensed like `warning_lines`."""
    return outcome_lines(reports, "error")


def outcome_lines(reports: Mapping[str, SuiteReport], severity: Severity) -> list[str]:
    by_expectation: dict[tuple[str, str, str | None, str], list[tuple[str, ExpectationOutcome]]] = {}
    for label, report in reports.items():
        for outcome in report.errors if severity == "error" else report.warnings:
            key = (outcome.suite, outcome.expectation, outcome.column, outcome.description)
            by_expectation.setdefault(key, []).append((label, outcome))
    lines: list[str] = []
    for (suite, expectation, column, description), outcomes in by_expectation.items():
        where = f" on {column}" if column else ""
        lines.append(f"{suite}.{expectation}{where}: {description or 'no description'}")
        lines += [f"  {line}" for line in _expectation_lines(outcomes)]
    return lines


def _expectation_lines(outcomes: list[tuple[str, ExpectationOutcome]]) -> list[str]:
    series: dict[str, list[str]] = {}
    unlocated: list[str] = []
    not_shown = 0
    for label, outcome in outcomes:
        if not outcome.located:
            found = f"{outcome.unexpected_count:,} unexpected" if outcome.unexpected_count else "failed"
            examples = f", e.g. {', '.join(outcome.examples)}" if outcome.examples else ""
            unlocated.append(f"{label}: {found}{examples}")
            continue
        not_shown += max(0, outcome.unexpected_count - len(outcome.located))
        values = set((outcome.column or "").split(","))
        for row in outcome.located:
            locators = [k for k in row if k not in values] or list(row)
            name, *rest = locators
            rest += [k for k in row if k not in locators]
            series.setdefault(shown_value(row[name]), []).append(_row(row, rest))
    lines = [f"{name}: {_capped(rows, MAX_ROWS_PER_SERIES, '; ')}" for name, rows in list(series.items())[:MAX_SERIES]]
    if len(series) > MAX_SERIES:
        lines.append(f"... and {len(series) - MAX_SERIES} more")
    lines += unlocated
    if not_shown:
        lines.append(f"... and {not_shown:,} more rows not located here (the run's log in the Dagster UI has them)")
    return lines


def _capped(items: list[str], limit: int, separator: str) -> str:
    distinct = list(dict.fromkeys(items))
    hidden = len(distinct) - limit
    return separator.join(distinct[:limit]) + (f"{separator}... and {hidden} more" if hidden > 0 else "")


def _row(row: Mapping[str, Any], columns: list[str]) -> str:
    """A located row without its series: dates and percentages bare, the rest as name=value."""
    bare = [_value(k, row[k]) for k in columns if _is_bare(k, row[k])]
    named = [f"{k}={_value(k, row[k])}" for k in columns if not _is_bare(k, row[k])]
    if bare and named:
        return f"{' '.join(bare)} ({', '.join(named)})"
    return " ".join(bare) or ", ".join(named)


def _is_bare(column: str, value: Any) -> bool:
    return isinstance(value, date) or (column.endswith("_pct") and isinstance(value, int | float))


def _value(column: str, value: Any) -> str:
    if isinstance(value, float) and column.endswith("_pct"):
        return f"{value:+.1f}%"
    return shown_value(value)


def shown_value(value: Any) -> str:
    """A located value as people read it: months as YYYY-MM, floats rounded, None as "missing"."""
    if value is None:
        return "missing"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return f"{value:%Y-%m}" if value.day == 1 else value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return _rounded(value)
    text = str(value)
    return text if text.isprintable() else repr(text)


def _rounded(value: float) -> str:
    """A float as people read it: one decimal from 1 up (thousands separated), two significant digits below."""
    if value != value:
        return "NaN"
    if abs(value) >= 1:
        return f"{value:,.1f}"
    return f"{value:.2g}"
