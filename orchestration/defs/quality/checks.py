"""The expectation suites of orchestration/quality/suites.py as blocking asset checks: a failing raw month
stops its dbt build, a failing marts month its publish.

A check validates the months of its run; it is not partitioned, so the UI shows the outcome of its
latest run, and each month's outcome is kept in `audit.check_outcomes` (the report reads it).
"""

from datetime import UTC, date, datetime
from typing import Any

import dagster as dg

from orchestration.build_database import record_check_outcomes
from orchestration.defs.partitions import month_range
from orchestration.defs.resources import WarehouseResource
from orchestration.loading.holds import HeldMonth, HoldRequest, hold_back
from orchestration.loading.summary import quarantined_since
from orchestration.progress import logger as progress
from orchestration.quality.notes import month_notes
from orchestration.quality.runner import SuiteReport
from orchestration.quality.suites import SUITES, Suite
from orchestration.quality.summaries import error_lines, warning_lines

HOLD_NOTE = (
    "A month failing an error-level expectation is held back: its new lines leave the marts, the month keeps "
    "its last published state, and the other months of the run are published by the run that follows."
)


def _label(group: dict[str, Any]) -> str:
    # The vintage is an internal number: the file name says the same to a reader.
    return " ".join(f"{v:%Y-%m}" if isinstance(v, date) else str(v) for k, v in group.items() if k != "vintage")


def check_result(
    reports: dict[str, SuiteReport],
    held: list[HeldMonth],
    quarantined: list[tuple[str, str]],
) -> dg.AssetCheckResult:
    """One check result over the run's months: ERROR blocks downstream, WARN is reported only.

    `reports` are keyed by what each validated group is (a month, or a month of a file). A file
    quarantined by this run's ingest is an error too: its months must not look as if it never came.
    """
    errors = [o for r in reports.values() for o in r.errors]
    warnings = [o for r in reports.values() for o in r.warnings]
    failed = [f"- **quarantined** {reason}" for _, reason in quarantined]
    failed += [f"- **{label}** {o.summary()}" for label, r in reports.items() for o in (*r.errors, *r.warnings)]
    return dg.AssetCheckResult(
        passed=not errors and not warnings and not quarantined,
        severity=dg.AssetCheckSeverity.ERROR if errors or quarantined else dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_validated": sum(r.rows for r in reports.values()),
            "groups_validated": len(reports),
            "expectations": sum(len(r.outcomes) for r in reports.values()),
            "failed_errors": len(errors),
            "failed_warnings": len(warnings),
            "files_quarantined": len(quarantined),
            "months_held_back": len(held),
            "failures": dg.MetadataValue.md("\n".join(failed) or "every expectation passed"),
            # The same, condensed for a terminal: one line per series, rounded, each explanation once.
            "warnings": dg.MetadataValue.text("\n".join(warning_lines(reports))),
            "errors": dg.MetadataValue.text(
                "\n".join([*(f"quarantined: {reason}" for _, reason in quarantined), *error_lines(reports)])
            ),
            "held_back": dg.MetadataValue.md(
                "\n".join(f"- {h.month:%Y-%m} {h.flow} from `{h.file_name}` (vintage {h.vintage})" for h in held)
                or "nothing"
            ),
        },
    )


def _monthly_outcomes(reports: dict[tuple[Any, ...], SuiteReport]) -> dict[date, tuple[str, str | None]]:
    """Each month's status ('passed' | 'warning' | 'error', the worst of its groups) and what failed, in the
    report's words: one note per line (orchestration/quality/notes.py)."""
    rank = {"passed": 0, "warning": 1, "error": 2}
    statuses: dict[date, str] = {}
    notes: dict[date, list[str]] = {}
    for key, report in reports.items():
        status = "error" if report.errors else "warning" if report.warnings else "passed"
        statuses[key[0]] = max(statuses.get(key[0], "passed"), status, key=rank.__getitem__)
        notes.setdefault(key[0], []).extend(month_notes(key[0], (*report.errors, *report.warnings)))
    return {month: (statuses[month], "\n".join(dict.fromkeys(notes[month])) or None) for month in statuses}


def expectation_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset_key)),
        name=suite.check_name,
        description=f"expectations/{suite.name}.json: {suite.description}. {HOLD_NOTE}",
        blocking=True,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        first, last = month_range(context)
        quarantined: list[tuple[str, str]] = []
        with warehouse.build_db() as con:
            rows = suite.frame(con, first, last)
            if suite.counts_quarantined_files_of is not None:
                record = context.instance.get_run_record_by_id(context.run.run_id)
                started = record.start_time if record and record.start_time else 0
                quarantined = quarantined_since(
                    con, datetime.fromtimestamp(started, UTC), suite.counts_quarantined_files_of
                )
        reports = suite.validate(rows, first, last)
        outcomes = _monthly_outcomes(reports)
        progress.info(
            f"{suite.check_name}: {len(outcomes)} months checked, "
            + ", ".join(f"{sum(v == s for v, _ in outcomes.values())} {s}" for s in ("passed", "warning", "error"))
        )
        groups = {key: dict(zip(suite.group_by, key, strict=True)) for key in reports}
        requests = [
            HoldRequest(
                month=groups[key]["month"],
                flow=groups[key].get("flow"),
                vintage=groups[key].get("vintage"),
                reason="; ".join(o.summary() for o in report.errors),
            )
            for key, report in reports.items()
            if report.errors
        ]
        with warehouse.build_db() as con:
            record_check_outcomes(con, suite.check_name, outcomes)
            held = hold_back(con, suite.check_name, requests) if requests else []
        return check_result({_label(groups[key]): r for key, r in reports.items()}, held, quarantined)

    return _check


@dg.definitions
def expectation_checks() -> dg.Definitions:
    return dg.Definitions(asset_checks=[expectation_check(suite) for suite in SUITES])
