"""The GACC code lists as the dbt seeds hold them, for Python that runs before dbt (ingest metadata, raw suite)."""

from __future__ import annotations

import csv
from functools import cache

from orchestration.warehouse import REPO_ROOT

SEEDS = REPO_ROOT / "dbt_project" / "seeds"


@cache
def rare_earth_code_groups() -> dict[str, str]:
    """hs_code -> product group for the rare-earth codes (the groups of orchestration.rules)."""
    with (SEEDS / "dim_product_codes.csv").open(encoding="utf-8") as f:
        return {row["hs_code"]: row["product_group"] for row in csv.DictReader(f) if row["is_rare_earth"] == "true"}


@cache
def code_units() -> dict[str, str]:
    """hs_code -> the code's first unit in English (e.g. Kilogram), for every listed code: what a line
    without a unit is in (rules.is_kilogram)."""
    with (SEEDS / "dim_product_codes.csv").open(encoding="utf-8") as f:
        return {row["hs_code"]: row["unit_en"] for row in csv.DictReader(f)}


@cache
def partner_codes() -> tuple[str, ...]:
    with (SEEDS / "dim_partner_codes.csv").open(encoding="utf-8") as f:
        return tuple(row["partner_code"] for row in csv.DictReader(f))


@cache
def known_names() -> dict[str, frozenset[str]]:
    """Every partner and commodity name of the GACC code lists, in Chinese and English, by column."""
    names: dict[str, frozenset[str]] = {}
    for column, seed, fields in (
        ("partner_name", "dim_partner_codes.csv", ("name_zh", "name_en")),
        ("commodity_name", "dim_product_codes.csv", ("description_zh", "description_en")),
    ):
        with (SEEDS / seed).open(encoding="utf-8") as f:
            names[column] = frozenset(row[field] for row in csv.DictReader(f) for field in fields)
    return names
