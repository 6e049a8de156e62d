"""Great Expectations Data Docs, rendered for real: each expectation in words with its severity, on the suite pages and
the validation pages, and each validation naming the table and month it validated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from data_docs_text import expectations, explained, page_text
from suite_rows import MARTS_OK

from orchestration.quality.data_docs import ValidationPage, render_data_docs
from orchestration.quality.runner import suite_path
from orchestration.quality.suites import SUITES

MOVE_BEYOND_BAND = {
    "series": "magnets exports to United States", "mom_pct": -85.2, "band": 53.0, "mom_beyond_band": 32.2
}  # fmt: skip


@pytest.fixture(scope="module")
def data_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Data Docs of every suite and of one marts month with a move beyond its band (a warning)."""
    out = tmp_path_factory.mktemp("data_docs")
    month = ValidationPage(
        "marts_month",
        "marts_month 2025-05",
        "marts.exports_by_group_monthly, 2025-05",
        pd.DataFrame([MARTS_OK, {**MARTS_OK, **MOVE_BEYOND_BAND}]),
    )
    render_data_docs(out, [month], held=[])
    return out


@pytest.mark.parametrize("suite", [suite.name for suite in SUITES])
def test_every_suite_page_explains_each_expectation_with_its_severity(data_docs: Path, suite: str) -> None:
    page = page_text(data_docs / "suites" / f"{suite}.html")
    assert json.loads(suite_path(suite).read_text(encoding="utf-8"))["meta"]["description"] in page
    for expectation in expectations(suite):
        assert explained(expectation) in page, expectation["meta"]["description"]


def test_the_suite_page_says_what_a_computed_column_is_next_to_its_rule(data_docs: Path) -> None:
    page = page_text(data_docs / "suites" / "marts_month.html")
    # The reader's complaint: "mom_beyond_band values must be ≤ 0.0", with no severity and no meaning.
    assert re.search(
        r"Warning: a failure is reported, and the month is still published\. Month-on-month moves stay within a band"
        r"[^.]*history .*mom_beyond_band is the size of the month-on-month move .* band, in percentage points.*"
        r" values must be less than or equal to 0\.0",
        page,
    )


def test_a_validation_page_names_its_data_asset_and_explains_what_failed(data_docs: Path) -> None:
    page = page_text(data_docs / "validations" / "marts_month_2025_05.html")
    assert "Data asset: marts.exports_by_group_monthly, 2025-05" in page
    assert "Data asset: None" not in page and "__none__" not in page
    for expectation in expectations("marts_month"):
        assert explained(expectation) in page, expectation["meta"]["description"]
    assert "Status: Failed" in page  # the warning fails its expectation; the load publishes the month anyway
    assert "1 unexpected values found. 50% of 2 total rows." in page
    assert "content_block_type" not in page  # every block rendered as HTML, none left as its Python text
