"""The warehouse's business rules, as Python reads them: the vars of dbt_project/dbt_project.yml, their one home.

dbt reads the same vars with `var(...)` (the kilogram rule is its macro `is_kilogram`), and the expectation
suites get them as `$PARAMETER`s. Plain Python and PyYAML only: scripts/build_seeds.py imports it too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DBT_PROJECT_FILE = Path(__file__).resolve().parent.parent / "dbt_project" / "dbt_project.yml"
# The group of every code outside the four rare-earth groups.
OTHER_GROUP = "other"


@cache
def dbt_vars() -> dict[str, Any]:
    """The `vars:` of dbt_project.yml, as written (dbt's `--vars` of a run override only the months)."""
    with DBT_PROJECT_FILE.open(encoding="utf-8") as stream:
        return dict(yaml.safe_load(stream)["vars"])


@cache
def kilogram_units() -> tuple[str, ...]:
    """The first-unit values that mean kilograms, lower-case."""
    return tuple(str(unit).lower() for unit in dbt_vars()["kilogram_units"])


def is_kilogram(unit: str | None, code_unit: str | None) -> bool:
    """dbt's macro `is_kilogram` in Python: the line's unit, trimmed and lower-cased, decides; a line without
    one is in its code's first unit (`code_unit`, None for a code the list lacks), and in kilograms when
    neither is known."""
    for candidate in (unit, code_unit):
        if candidate is not None and candidate.strip():
            return candidate.strip().lower() in kilogram_units()
    return True


@cache
def product_group_labels() -> dict[str, str]:
    """Each product group and roll-up as a sentence names its exports."""
    return {str(group): str(label) for group, label in dbt_vars()["product_group_labels"].items()}


@cache
def unspecified_code() -> str:
    """The province and regime code of a line whose file has no such column (dim_province, dim_regime name it)."""
    return str(dbt_vars()["unspecified_code"])


@cache
def marts_version() -> int:
    """The shape of the incremental models: a warehouse built at another version is rebuilt in full."""
    return int(dbt_vars()["marts_version"])


@cache
def rare_earth_product_groups() -> tuple[str, ...]:
    """The four rare-earth product groups, in display order."""
    groups = tuple(str(group) for group in dbt_vars()["rare_earth_product_groups"])
    if tuple(product_group_hs_prefixes()) != groups:
        raise ValueError(f"{DBT_PROJECT_FILE}: product_group_hs_prefixes must name {groups} in that order")
    return groups


@cache
def product_group_hs_prefixes() -> dict[str, str]:
    """Product group -> the prefix of its 8-digit commodity codes."""
    return {str(group): str(prefix) for group, prefix in dbt_vars()["product_group_hs_prefixes"].items()}


def product_group_of(hs_code: str) -> str:
    """The product group of an 8-digit commodity code by its prefix (dbt's macro `product_group_of`)."""
    return next(
        (group for group, prefix in product_group_hs_prefixes().items() if hs_code.startswith(prefix)), OTHER_GROUP
    )


@cache
def us_partner_code() -> str:
    """The GACC partner code of the United States."""
    return str(dbt_vars()["us_partner_code"])


@cache
def mirror_hs_codes() -> dict[str, str]:
    """Product group -> the partner-reported (UN Comtrade) commodity code it is compared against."""
    return {str(group): str(code) for group, code in dbt_vars()["mirror_hs_codes"].items()}


@cache
def mirror_partner_flow_code() -> str:
    """The Comtrade flowCode of the partner's imports, compared with China's exports."""
    return str(dbt_vars()["mirror_partner_flow_code"])


@cache
def china_iso3() -> str:
    """China's ISO code as partner-reported statistics name it (Comtrade partnerISO)."""
    return str(dbt_vars()["china_iso3"])
