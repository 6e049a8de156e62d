"""Data Docs pages as a reader sees them, and the words each expectation of expectations/*.json must be shown with."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from orchestration.quality.runner import suite_path

SEVERITY_IN_WORDS = {
    "error": "Error: a failure blocks the month (it is held back, not published).",
    "warning": "Warning: a failure is reported, and the month is still published.",
}


def page_text(page: Path) -> str:
    """The page's text: scripts and styles dropped, tags dropped, entities decoded, white space collapsed."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def expectations(suite: str) -> list[dict]:
    return json.loads(suite_path(suite).read_text(encoding="utf-8"))["expectations"]


def explained(expectation: dict) -> str:
    """Severity, meaning and (for a column the suite computes) what the column is, in the order a page shows them."""
    meta = expectation["meta"]
    words = f"{SEVERITY_IN_WORDS[meta['severity']]} {meta['description']}"
    return f"{words} {meta['computed_as']}" if "computed_as" in meta else words
