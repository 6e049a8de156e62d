"""Typing one Comtrade row's text into Python values, with every rule of the layout's columns.

Each function raises `BadValue` (the column and what was expected); the reader adds the file and the line.
"""

from __future__ import annotations

import math
import re
from datetime import date

from orchestration.comtrade.layout import (
    AMOUNT_COLUMNS,
    BOOLEAN_COLUMNS,
    COMTRADE_COLUMNS,
    INTEGER_COLUMNS,
    MISSING_UNIT_ABBREVIATIONS,
    MISSING_UNIT_CODES,
)
from orchestration.gacc.months import month_problem

Value = str | int | float | bool | date | None

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_INTEGER = re.compile(r"-?[0-9]+")
# Plain decimals, with an exponent too: an export re-saved by a spreadsheet may write 1.2345E+07.
_AMOUNT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PERIOD = re.compile(r"((?:19|20)[0-9]{2})(0[1-9]|1[0-2])")


class BadValue(ValueError):
    def __init__(self, column: str, problem: str) -> None:
        super().__init__(f"column {column}: {problem}")
        self.column = column
        self.problem = problem


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def typed_value(column: str, text: str) -> Value:
    """The value of one field; an empty field is None in every column."""
    text = text.strip()
    if not text:
        return None
    if column in BOOLEAN_COLUMNS:
        word = text.casefold()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise BadValue(column, f"expected true or false, found {_shown(text)}")
    if column in INTEGER_COLUMNS:
        if text.endswith(".0"):
            text = text[:-2]  # a whole number a spreadsheet wrote as a decimal
        if not _INTEGER.fullmatch(text):
            raise BadValue(column, f"expected a whole number, found {_shown(text)}")
        if len(text.lstrip("-")) > 18:  # beyond int64: a typo or a value pasted into the wrong column
            raise BadValue(column, f"expected a whole number of at most 18 digits, found {_shown(text)}")
        if column in MISSING_UNIT_CODES and text == "-1":
            return None
        return int(text)
    if column in AMOUNT_COLUMNS:
        if not _AMOUNT.fullmatch(text):
            raise BadValue(column, f"expected a number, found {_shown(text)}")
        amount = float(text)
        if not math.isfinite(amount):
            raise BadValue(column, f"expected a number of ordinary size, found {_shown(text)}")
        if amount < 0:
            raise BadValue(column, f"expected a non-negative amount, found {_shown(text)}")
        return amount
    if column in MISSING_UNIT_ABBREVIATIONS and text.upper() == "N/A":
        return None
    return text


def typed_row(fields: dict[str, str]) -> dict[str, Value]:
    """The row's 47 values and its month; raises BadValue at the first problem, in column order."""
    row = {column: typed_value(column, fields[column]) for column in COMTRADE_COLUMNS}
    frequency = row["freqCode"]
    if frequency != "M":
        found = "an empty field" if frequency is None else repr(frequency)
        annual = " (annual data?)" if frequency == "A" else ""
        raise BadValue(
            "freqCode",
            f"expected 'M' (monthly), found {found}{annual}: the warehouse compares monthly figures with China's; "
            "download the monthly data (frequency M)",
        )
    row["month"] = _month(row)
    return row


def _month(row: dict[str, Value]) -> date:
    """The month of a row, from `period` (YYYYMM) checked against refYear, refMonth and refPeriodId."""
    period = row["period"]
    year, month = row["refYear"], row["refMonth"]
    if period is None:
        if year is None or month is None:
            raise BadValue("period", "expected a month as YYYYMM, found an empty field (and no refYear/refMonth)")
        period = f"{year:04d}{month:02d}" if isinstance(year, int) and isinstance(month, int) else ""
        column = "refMonth"
    else:
        column = "period"
    match = _PERIOD.fullmatch(str(period))
    if match is None:
        raise BadValue(column, f"expected a month as YYYYMM, found {_shown(str(period))}")
    first = date(int(match[1]), int(match[2]), 1)
    if year is not None and year != first.year:
        raise BadValue("refYear", f"expected {first.year}, the year of period {period}, found {year}")
    if month is not None and month != first.month:
        raise BadValue("refMonth", f"expected {first.month}, the month of period {period}, found {month}")
    reference = row["refPeriodId"]
    if reference is not None and reference != int(f"{first:%Y%m%d}"):
        raise BadValue("refPeriodId", f"expected {first:%Y%m%d}, the first day of period {period}, found {reference}")
    problem = month_problem(first)
    if problem is not None:
        raise BadValue(column, problem)
    return first
