"""The months the warehouse covers: a month outside them in a file is a typo or a wrong download, not data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

FIRST_MONTH = date(2015, 1, 1)
"""The first month of the warehouse (and of its monthly partitions)."""


def last_complete_month(today: date | None = None) -> date:
    """The month before today's (UTC): customs publish a month's figures during the month after it, and it is
    the last of the monthly partitions."""
    today = today or datetime.now(UTC).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_problem(month: date, today: date | None = None) -> str | None:
    """Why `month` cannot be in the warehouse, or None when it can: before FIRST_MONTH, or not ended yet."""
    last = last_complete_month(today)
    if month < FIRST_MONTH:
        return f"month {month:%Y-%m} is before {FIRST_MONTH:%Y-%m}, the first month this warehouse covers"
    if month > last:
        when = "is in the future" if month > last.replace(year=last.year + 1) else "has not ended yet"
        return f"month {month:%Y-%m} {when}: the latest month customs can have published is {last:%Y-%m}"
    return None
