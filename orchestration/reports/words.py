"""The report's words for its readers: where each month's figures come from, and what the checks found.

Both are told from structured rows of the published warehouse: the files behind each month's lines
(marts.fct_trade_monthly with audit.files' release labels), the revised months (marts.revisions), and the
checks' notes (audit.check_outcomes, written in words by orchestration/quality/notes.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

# How fct_trade_monthly's `derivation` reads in a sentence (int_customs__monthly_from_ytd.sql names them).
DERIVATIONS = {
    "ytd: January": "January's year-to-date figures",
    "ytd: January–February combined": "the year-to-date figures of January and February together",
    "ytd: difference from the previous month": "year-to-date figures less the month before",
}
MONTHLY_FILE = "monthly file"
FLOW_WORDS = {"export": "exports", "import": "imports", "partner": "partner-reported statistics (UN Comtrade)"}


@dataclass(frozen=True)
class Source:
    """A file that the current figures of one month of one flow come from."""

    flow: str
    month: date
    source_file: str
    vintage: int
    release: str | None  # 'flash', 'detailed' or 'revised' when the file name says so
    derivation: str | None
    product_groups: tuple[str, ...]  # the groups of the month whose figures come from this file


@dataclass(frozen=True)
class Coverage:
    """One flow's months as published (marts.meta_publish)."""

    flow: str
    first_month: date
    last_month: date
    months: int
    files: int


def _file(path: str) -> str:
    return PurePosixPath(path).name


def _named(release: str | None, source_file: str) -> str:
    """E.g. "revised release (gacc_exports_2025-11_revised.csv)", or the bare file name when it names no release."""
    return f"{release} release ({_file(source_file)})" if release else _file(source_file)


def _source_words(source: Source, several: bool) -> str:
    words = _named(source.release, source.source_file)
    if source.derivation and source.derivation != MONTHLY_FILE:
        words += f", derived from {DERIVATIONS.get(source.derivation, source.derivation)}"
    if several:
        words += f" for {', '.join(source.product_groups)}"
    return words


def month_sources(
    sources: Iterable[Source], first_files: dict[tuple[str, date], list[tuple[str | None, str]]]
) -> dict[tuple[str, date], str]:
    """(flow, month) -> where its figures come from, newest file first, e.g. "revised release
    (gacc_exports_2025-11_revised.csv), first loaded from gacc_exports_2025-11.csv".

    `first_files` holds, for each revised (flow, month), the release and file each revised figure was first
    loaded from (marts.revisions)."""
    by_month: dict[tuple[str, date], list[Source]] = {}
    for source in sources:
        by_month.setdefault((source.flow, source.month), []).append(source)
    words = {}
    for key, found in by_month.items():
        newest_first = sorted(found, key=lambda s: s.vintage, reverse=True)
        text = "; ".join(_source_words(s, several=len(found) > 1) for s in newest_first)
        current = {s.source_file for s in found}
        earlier = [_named(release, path) for release, path in first_files.get(key, []) if path not in current]
        if earlier:
            text += f", first loaded from {' and '.join(dict.fromkeys(earlier))}"
        words[key] = text
    return words


def vintage_sentence(coverage: Iterable[Coverage], revised: Iterable[tuple[str, date]]) -> str:
    """E.g. "exports 2024-01 to 2025-12, 24 months from 24 files; ... 1 month revised since first loaded: exports
    2025-11"."""
    flows = "; ".join(
        f"{FLOW_WORDS.get(c.flow, c.flow)} {c.first_month:%Y-%m} to {c.last_month:%Y-%m}, "
        f"{c.months} months from {c.files} files"
        for c in coverage
    )
    months = sorted(set(revised), key=lambda r: (r[1], r[0]))
    if not months:
        return f"{flows}; no month revised since first loaded"
    listed = ", ".join(f"{FLOW_WORDS.get(flow, flow)} {month:%Y-%m}" for flow, month in months)
    return f"{flows}; {len(months)} {'month' if len(months) == 1 else 'months'} revised since first loaded: {listed}"


# --- Data quality --------------------------------------------------------------------------------------


def quality_status(held: bool, worst: int | None) -> str:
    """A month's data-quality status, from its worst check outcome (0 passed, 1 warning, 2 error)."""
    if held:
        return "held back: this month shows its last published state"
    return {
        2: "errors found",
        1: "published with warnings",
        0: "all checks passed",
    }.get(worst if worst is not None else -1, "not checked by this warehouse")


def quality_notes(month: date, outcomes: Iterable[tuple[str, str, str | None]]) -> list[str]:
    """The notes of a month's failed checks ((check name, status, summary) of audit.check_outcomes), one per line
    of each summary. An earlier release stored the engineer's summary ("[warning] marts_month.expect_..."): that
    is not for readers, and it is named instead."""
    notes: list[str] = []
    for check_name, status, summary in outcomes:
        if status == "passed":
            continue
        if not summary:
            notes.append(f"{month:%B %Y}: a {status} from the check {check_name}, with no note")
        elif summary.startswith(("[warning] ", "[error] ")):
            notes.append(
                f"{month:%B %Y}: a {status} from the check {check_name}, recorded by an earlier release without a "
                "note in words (the next load of this month writes one)"
            )
        else:
            notes += summary.splitlines()
    return list(dict.fromkeys(notes))
