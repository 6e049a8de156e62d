"""Deterministic sample of raw GACC customs downloads, calibrated to published press figures.

The sample covers every month of 2024 and 2025 for exports and imports of rare-earth magnets,
metals, compounds and ferroalloys. Quantities are solved so that every figure in
``dbt_project/seeds/published_figures.csv`` comes out exactly; the files reproduce the format quirks of
the GACC online query platform (GB18030 vs UTF-8, BOM, trailing commas, thousands separators,
Chinese vs English headers, RMB vs USD, a missing month column, one .xlsx download, customs regime and province
columns).

The 2025 export files carry the province of the trading firm and the customs regime, as real downloads can: each
line's kilograms and values are divided between provinces and regimes. That split is synthetic (weights after where
the industry sits, not real data); the totals per month, commodity and partner are exactly those of the calibration.

Everything is seeded: two runs write byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import random
import re
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from orchestration.progress import TRANSIENT
from orchestration.progress import logger as progress

from .codes import (
    COMMODITY_BY_CODE,
    MISSING,
    PARTNER_BY_CODE,
    PROVINCE_BY_CODE,
    REGIME_BY_CODE,
    SERIES_CODES,
    UNIT_EN,
    UNIT_ZH,
)

SEED = "gacc-rare-earth-sample-v1"
PUBLISHED_FIGURES_CSV = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "published_figures.csv"

MONTHS: tuple[str, ...] = tuple(f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13))
MONTH_INDEX: dict[str, int] = {m: i for i, m in enumerate(MONTHS)}
FLOWS: tuple[str, ...] = ("export", "import")
SERIES: tuple[str, ...] = ("magnets", "rare_earths_headline", "ferroalloys")


@dataclass(frozen=True)
class SampleLine:
    """One row of a sample file (before formatting).

    ``customs_regime`` is empty except in the 2025 files, whose rows are split by regime; ``province`` (registered
    location of the trading firm) is empty except in the 2025 export files, whose rows are split by province too.
    """

    month: str
    flow: str
    hs_code: str
    partner_code: str
    quantity_kg: int
    value_usd: int
    value_cny: int
    customs_regime: str = ""
    province: str = ""


# ---------------------------------------------------------------------------------------------
# Economic assumptions
# ---------------------------------------------------------------------------------------------

# Partner weights per (flow, series), roughly in percent of the world total. Published partners
# (e.g. the US for magnets) use weight/total as their baseline share.
# fmt: off
PARTNER_WEIGHTS: dict[tuple[str, str], dict[str, float]] = {
    ("export", "magnets"): {
        "304": 17, "502": 12, "133": 9, "141": 7, "136": 5, "111": 4.5, "116": 4, "429": 3.5,
        "327": 3, "307": 3, "410": 2.5, "309": 2, "122": 2, "129": 2, "137": 1.8, "305": 1.5,
        "303": 1.5, "143": 1.5, "344": 1.5, "312": 1.2, "110": 1.2, "352": 1.2, "112": 1,
        "321": 0.9, "501": 0.8, "315": 0.8, "132": 0.7, "330": 0.7, "301": 0.6, "331": 0.5,
        "601": 0.4, "138": 0.4, "115": 0.3,
    },
    ("export", "rare_earths_headline"): {
        "116": 20, "502": 12, "133": 9, "309": 8, "141": 6, "111": 5, "307": 4, "304": 4,
        "122": 3, "136": 3, "143": 3, "305": 2.5, "110": 2, "344": 2, "303": 1.5, "112": 1.5,
        "301": 1.5, "410": 1, "132": 1, "429": 1, "137": 1, "501": 1, "331": 0.5, "601": 0.5,
        "330": 0.5,
    },
    ("export", "ferroalloys"): {
        "116": 25, "133": 20, "141": 15, "111": 10, "502": 8, "304": 5, "136": 5, "344": 4,
        "143": 4, "112": 4,
    },
    ("import", "magnets"): {"116": 40, "304": 20, "141": 15, "129": 10, "133": 8, "502": 7},
    ("import", "rare_earths_headline"): {
        "106": 40, "122": 14, "119": 10, "141": 8, "136": 5, "236": 5, "502": 4, "601": 3,
        "116": 3, "334": 2, "111": 2, "227": 2, "344": 1.5, "410": 1,
    },
    ("import", "ferroalloys"): {"116": 40, "141": 30, "133": 30},
}

# Commodity mix inside the headline series; magnets and ferroalloys have a single code.
CODE_WEIGHTS: dict[tuple[str, str], dict[str, float]] = {
    ("export", "rare_earths_headline"): {
        "28053011": 6, "28053012": 0.3, "28053013": 0.2, "28053014": 2, "28053015": 2,
        "28053016": 1, "28053017": 0.5, "28053018": 0.05, "28053019": 1, "28053021": 1,
        "28053029": 5, "28461010": 15, "28461090": 6, "28469011": 6, "28469012": 18,
        "28469013": 4, "28469014": 0.1, "28469015": 0.2, "28469016": 0.1, "28469017": 2,
        "28469019": 6, "28469028": 4, "28469034": 1, "28469041": 3, "28469048": 3,
        "28469099": 10,
    },
    ("import", "rare_earths_headline"): {
        "28053011": 3, "28053012": 0.05, "28053013": 0.02, "28053014": 1, "28053015": 1,
        "28053016": 1, "28053019": 1, "28053029": 3, "28461010": 4, "28461090": 2,
        "28469011": 3, "28469012": 8, "28469013": 8, "28469015": 0.3, "28469016": 0.1,
        "28469017": 3, "28469019": 22, "28469028": 4, "28469041": 2, "28469048": 30,
        "28469099": 15,
    },
}
# fmt: on
for _flow in FLOWS:
    CODE_WEIGHTS[(_flow, "magnets")] = dict.fromkeys(sorted(SERIES_CODES["magnets"]), 1.0)
    CODE_WEIGHTS[(_flow, "ferroalloys")] = dict.fromkeys(sorted(SERIES_CODES["ferroalloys"]), 1.0)

# Import sources with a known product: Myanmar and Laos ship ionic-clay concentrates declared as
# mixed carbonates/oxides, Malaysia (Lynas) separated oxides, Nigeria mixed compounds.
IMPORT_PROFILES: dict[str, tuple[str, ...]] = {
    "106": ("28469048", "28469019", "28469099", "28469013"),
    "119": ("28469048", "28469019", "28469099"),
    "122": ("28469012", "28461010", "28469013", "28469017", "28469019"),
    "236": ("28469099", "28469019"),
}

# Level (tonnes per month) for series the press never reports; the others are interpolated
# between published and derived figures.
DEFAULT_LEVEL_TONNES: dict[tuple[str, str], float] = {
    ("export", "magnets"): 5000,
    ("export", "rare_earths_headline"): 4600,
    ("export", "ferroalloys"): 110,
    ("import", "magnets"): 30,
    ("import", "rare_earths_headline"): 11000,
    ("import", "ferroalloys"): 12,
}

# Where exports come from (the province of the trading firm), per series, roughly in percent: magnets from Ningbo
# (Zhejiang), Ganzhou (Jiangxi), Baotou (Inner Mongolia) and the eastern seaboard; metals and compounds from the
# separation plants of Jiangxi, Inner Mongolia, Jiangsu, Guangxi and Sichuan. Synthetic: no public figure splits them.
# fmt: off
PROVINCE_WEIGHTS: dict[str, dict[str, float]] = {
    "magnets": {"33": 30, "36": 18, "15": 14, "32": 10, "31": 8, "44": 8, "37": 6, "11": 6},
    "rare_earths_headline": {"36": 28, "15": 22, "32": 14, "45": 10, "51": 10, "37": 8, "35": 8},
    "ferroalloys": {"15": 60, "36": 25, "51": 15},
}
# fmt: on
# The export files from this month on carry the province and regime columns.
SPLIT_FROM = "2025-01"
# No part of a split line is smaller than this (a smaller line stays whole).
MIN_PART_KG = 1000

# Chinese New Year depresses February shipments.
FEBRUARY_FACTOR = 0.8

# Unit values in USD per kg.
# fmt: off
USD_PER_KG: dict[str, float] = {
    "85051110": 52,
    "28053011": 78, "28053012": 330, "28053013": 1050, "28053014": 35, "28053015": 32,
    "28053016": 80, "28053017": 45, "28053018": 280, "28053019": 60, "28053021": 40,
    "28053029": 38,
    "28461010": 3.2, "28461090": 4.5, "28469011": 8.5, "28469012": 3.0, "28469013": 58,
    "28469014": 35, "28469015": 240, "28469016": 950, "28469017": 55, "28469019": 22,
    "28469028": 3.5, "28469034": 52, "28469041": 3.3, "28469048": 4.2, "28469099": 12,
    "72029991": 22,
}

# CNY per USD applied by customs in each month.
CNY_PER_USD: dict[str, float] = dict(
    zip(
        MONTHS,
        (
            7.1039, 7.1055, 7.1010, 7.1038, 7.1088, 7.1130, 7.1268, 7.1375, 7.1063, 7.1012,
            7.1201, 7.1876,
            7.1884, 7.1693, 7.1738, 7.1782, 7.2008, 7.1848, 7.1550, 7.1420, 7.1310, 7.1120,
            7.1065, 7.1030,
        ),
        strict=True,
    )
)
# fmt: on


# ---------------------------------------------------------------------------------------------
# Published figures -> calibration targets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    months: tuple[int, ...]
    kg: int
    # How far an over-determined total may miss: half a unit of the printed precision, because
    # the press rounds (the 2025 export headline months add up to 62,584.9 t, reported as 62,585).
    tolerance_kg: int = 0


@dataclass
class _Targets:
    """Calibration targets of one (flow, series, partner) series; partner "" is World."""

    monthly: dict[int, int] = field(default_factory=dict)  # published, exact
    groups: list[_Group] = field(default_factory=list)  # published multi-month totals, exact
    firm: dict[int, list[float]] = field(default_factory=dict)  # derived from % changes
    soft_groups: list[_Group] = field(default_factory=list)  # derived multi-month totals


_CHANGE = re.compile(r"([+-]?\d+(?:\.\d+)?)%\s*(y/y|m/m)")


def _period_months(period: str) -> tuple[str, ...]:
    if re.fullmatch(r"\d{4}", period):
        return tuple(f"{period}-{m:02d}" for m in range(1, 13))
    match = re.fullmatch(r"(\d{4})-(\d{2})\.\.(\d{2})", period)
    if match:
        year, first, last = match.group(1), int(match.group(2)), int(match.group(3))
        return tuple(f"{year}-{m:02d}" for m in range(first, last + 1))
    return (period,)


def _tonnes_to_kg(tonnes: str) -> tuple[int, int]:
    """Exact kg of a printed tonnage and the rounding tolerance its precision implies."""
    value = Decimal(tonnes)
    decimals = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    return int(value * 1000), 500 // 10**decimals


@functools.cache
def _load_targets() -> dict[tuple[str, str, str], _Targets]:
    targets: dict[tuple[str, str, str], _Targets] = defaultdict(_Targets)
    derived: list[tuple[tuple[str, str, str], tuple[int, ...], float]] = []
    with PUBLISHED_FIGURES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            months = _period_months(row["period"])
            if any(m not in MONTH_INDEX for m in months):
                continue
            key = (row["flow"], row["series"], row["partner_code"])
            index = tuple(MONTH_INDEX[m] for m in months)
            kg, tolerance = _tonnes_to_kg(row["tonnes"])
            if len(index) == 1:
                targets[key].monthly[index[0]] = kg
            else:
                targets[key].groups.append(_Group(index, kg, tolerance))
            # "-45% y/y" on April 2025 says what April 2024 was; "-51% m/m" what March was.
            for pct, kind in _CHANGE.findall(row["reported_change"]):
                shift = 12 if kind == "y/y" else 1
                if kind == "m/m" and len(index) > 1:
                    continue
                earlier = tuple(i - shift for i in index)
                if earlier[0] >= 0:
                    derived.append((key, earlier, kg / (1 + float(pct) / 100)))
    for key, index, kg_guess in derived:
        target = targets[key]
        if len(index) == 1:
            if index[0] not in target.monthly:
                target.firm.setdefault(index[0], []).append(kg_guess)
        elif all(g.months != index for g in target.groups):
            target.soft_groups.append(_Group(index, round(kg_guess)))
    return dict(targets)


# ---------------------------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------------------------


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split an integer total proportionally to weights; the parts add up exactly."""
    if total == 0 or not weights:
        return [0] * len(weights)
    if sum(weights) <= 0:
        weights = [1.0] * len(weights)
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(r) for r in raw]
    # Largest remainders get the leftover units; ties go to the earlier item so it is stable.
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _interpolate(anchors: dict[int, float], default: float) -> list[float]:
    """Linear between anchor months, flat beyond the first and last one."""
    if not anchors:
        return [default] * len(MONTHS)
    xs = sorted(anchors)
    out: list[float] = []
    for i in range(len(MONTHS)):
        if i <= xs[0]:
            out.append(anchors[xs[0]])
        elif i >= xs[-1]:
            out.append(anchors[xs[-1]])
        else:
            right = next(x for x in xs if x >= i)
            left = max(x for x in xs if x <= i)
            if left == right:
                out.append(anchors[left])
            else:
                t = (i - left) / (right - left)
                out.append(anchors[left] * (1 - t) + anchors[right] * t)
    return out


def _solve_months(target: _Targets, baseline: Sequence[float], label: str) -> list[int]:
    """Monthly kg that hit every published figure and otherwise follow the guides.

    Published months are fixed first. Each published multi-month total (smallest first, so
    Jan-Feb before the year) then gives its remainder to its still-free months: months with a
    figure derived from a reported % change keep it when there are other months to absorb the
    rest, otherwise the remainder is spread in proportion to the guides. Derived totals (a year
    implied by a y/y change) are applied the same way after the published ones.
    """
    firm = {i: sum(v) / len(v) for i, v in target.firm.items()}
    guide = [firm.get(i, baseline[i]) for i in range(len(MONTHS))]
    fixed: dict[int, int] = dict(target.monthly)
    ordered = [(g, True) for g in sorted(target.groups, key=lambda g: len(g.months))]
    ordered += [(g, False) for g in sorted(target.soft_groups, key=lambda g: len(g.months))]
    for group, published in ordered:
        free = [i for i in group.months if i not in fixed]
        remainder = group.kg - sum(fixed[i] for i in group.months if i in fixed)
        if not free:
            if published and abs(remainder) > group.tolerance_kg:
                raise ValueError(f"{label}: published figures contradict each other")
            continue
        if remainder < 0:
            if published:
                raise ValueError(f"{label}: published months exceed their published total")
            continue
        loose = [i for i in free if i not in firm]
        firm_kg = {i: round(firm[i]) for i in free if i in firm}
        if loose and sum(firm_kg.values()) <= remainder:
            fixed.update(firm_kg)
            spread = _apportion(remainder - sum(firm_kg.values()), [guide[i] for i in loose])
            fixed.update(zip(loose, spread, strict=True))
        else:
            fixed.update(zip(free, _apportion(remainder, [guide[i] for i in free]), strict=True))
    return [fixed.get(i, round(guide[i])) for i in range(len(MONTHS))]


def _jitter(rng: random.Random, spread: float) -> float:
    return 1 + rng.uniform(-spread, spread)


def _world_baseline(flow: str, series: str, target: _Targets) -> list[float]:
    """Smooth monthly guide through the published and derived figures."""
    anchors: dict[int, float] = {i: float(kg) for i, kg in target.monthly.items()}
    for i, values in target.firm.items():
        anchors.setdefault(i, sum(values) / len(values))
    level = DEFAULT_LEVEL_TONNES[(flow, series)] * 1000
    curve = _interpolate(anchors, level)
    rng = random.Random(f"{SEED}|baseline|{flow}|{series}")
    out: list[float] = []
    for i, month in enumerate(MONTHS):
        noise = _jitter(rng, 0.06)
        if i in anchors:
            out.append(curve[i])
        else:
            out.append(curve[i] * noise * (FEBRUARY_FACTOR if month.endswith("-02") else 1))
    return out


def _partner_share(flow: str, series: str, partner: str) -> float:
    weights = PARTNER_WEIGHTS[(flow, series)]
    # A published partner missing from the table still needs a small plausible baseline.
    return weights.get(partner, 1.0) / sum(weights.values())


def _solve_series(flow: str, series: str) -> dict[tuple[int, str], int]:
    """kg per (month index, partner) for one flow and series."""
    targets = _load_targets()
    label = f"{flow}/{series}"
    world = _solve_months(
        targets.get((flow, series, ""), _Targets()),
        _world_baseline(flow, series, targets.get((flow, series, ""), _Targets())),
        label,
    )
    # Partners with their own published figures are solved as series of their own, on a
    # baseline share of the world total, before the rest of the world is shared out.
    published_partners = sorted(p for (f, s, p) in targets if f == flow and s == series and p != "")
    result: dict[tuple[int, str], int] = {}
    for partner in published_partners:
        if partner not in PARTNER_BY_CODE:
            raise ValueError(f"{label}: published partner {partner} is not in codes.PARTNERS")
        rng = random.Random(f"{SEED}|partner|{flow}|{series}|{partner}")
        share = _partner_share(flow, series, partner)
        baseline = [kg * share * _jitter(rng, 0.08) for kg in world]
        solved = _solve_months(targets[(flow, series, partner)], baseline, f"{label}/{partner}")
        result.update({(i, partner): kg for i, kg in enumerate(solved)})

    others = [p for p in PARTNER_WEIGHTS[(flow, series)] if p not in published_partners]
    for i, month in enumerate(MONTHS):
        remainder = world[i] - sum(result[(i, p)] for p in published_partners)
        if remainder < 0:
            raise ValueError(f"{label} {month}: published partners exceed the world total")
        rng = random.Random(f"{SEED}|others|{flow}|{series}|{month}")
        weights = PARTNER_WEIGHTS[(flow, series)]
        # Small buyers skip months now and then; the biggest always buys.
        present = [p for p in others if weights[p] >= 2 or rng.random() < 0.75]
        if not present and others:
            present = [max(others, key=lambda p: weights[p])]
        if remainder and not present:
            raise ValueError(f"{label} {month}: no partner left for {remainder} kg")
        shares = [weights[p] * _jitter(rng, 0.25) for p in present]
        result.update({(i, p): kg for p, kg in zip(present, _apportion(remainder, shares), strict=True)})
    return result


def _code_profile(flow: str, series: str, partner: str) -> list[str]:
    """The codes a partner trades at all in a series, fixed over time."""
    codes = list(CODE_WEIGHTS[(flow, series)])
    if len(codes) == 1:
        return codes
    if flow == "import" and partner in IMPORT_PROFILES:
        return list(IMPORT_PROFILES[partner])
    rng = random.Random(f"{SEED}|profile|{flow}|{series}|{partner}")
    weight = PARTNER_WEIGHTS[(flow, series)].get(partner, 1.0)
    keep = 0.8 if weight >= 5 else 0.5 if weight >= 2 else 0.3
    weights = CODE_WEIGHTS[(flow, series)]
    heaviest = max(codes, key=lambda c: weights[c])
    return [c for c in codes if c == heaviest or rng.random() < keep]


def _split_codes(rng: random.Random, flow: str, series: str, partner: str, kg: int) -> list[tuple[str, int]]:
    profile = _code_profile(flow, series, partner)
    weights = CODE_WEIGHTS[(flow, series)]
    chosen = [c for c in profile if len(profile) == 1 or rng.random() < 0.85] or profile[:1]
    shares = [weights[c] * rng.lognormvariate(0, 0.35) for c in chosen]
    return list(zip(chosen, _apportion(kg, shares), strict=True))


def _price_index(code: str) -> list[float]:
    """A gentle random walk so unit values drift from month to month."""
    rng = random.Random(f"{SEED}|price|{code}")
    level, out = 1.0, []
    for _ in MONTHS:
        level *= _jitter(rng, 0.025)
        out.append(level)
    return out


def _regime_split(rng: random.Random, kg: int) -> list[tuple[str, int]]:
    draw = rng.random()
    if draw < 0.35:
        return [("10", kg)]
    if draw < 0.45:
        return [("15", kg)]
    processing = round(kg * rng.uniform(0.15, 0.6))
    return [("10", kg - processing), ("15", processing)]


def _series_of(code: str) -> str:
    return next(series for series, codes in SERIES_CODES.items() if code in codes)


def _export_regimes(rng: random.Random, kg: int) -> list[tuple[str, int]]:
    """Mostly ordinary trade, some processing with imported materials, a little through bonded logistics."""
    draw = rng.random()
    if draw < 0.5 or kg < 2 * MIN_PART_KG:
        return [("10" if draw < 0.8 else "15", kg)]
    other = "15" if draw < 0.8 else "33" if draw < 0.92 else "34"
    part = round(kg * rng.uniform(0.1, 0.5))
    return [("10", kg - part), (other, part)]


def _province_regime_split(flow: str, month: str, code: str, partner: str, kg: int) -> list[tuple[str, str, int]]:
    """(province, regime, kg) parts of one export line: a few provinces by weight, each under one or two regimes.
    The parts add up to the line exactly; no province part is smaller than MIN_PART_KG."""
    # A partner's suppliers of a code are the same firms, so the same provinces, from month to month.
    suppliers = random.Random(f"{SEED}|suppliers|{flow}|{code}|{partner}")
    weights = PROVINCE_WEIGHTS[_series_of(code)]
    # Weighted sampling without replacement: the largest u ** (1 / weight) first.
    ranked = sorted(weights, key=lambda p: (-(suppliers.random() ** (1 / weights[p])), p))
    rng = random.Random(f"{SEED}|split|{flow}|{month}|{code}|{partner}")
    count = max(1, min(len(ranked), kg // (3 * MIN_PART_KG), suppliers.randint(1, 4)))
    provinces = ranked[:count]
    shares = [weights[p] * _jitter(rng, 0.2) for p in provinces]
    by_province = list(zip(provinces, _apportion(kg, shares), strict=True))
    if any(part < MIN_PART_KG for _, part in by_province):
        by_province = [(provinces[0], kg)]
    return [
        (province, regime, regime_kg)
        for province, province_kg in by_province
        for regime, regime_kg in _export_regimes(rng, province_kg)
    ]


@functools.cache
def _build_lines() -> tuple[SampleLine, ...]:
    quantities: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for flow in FLOWS:
        for series in SERIES:
            solved = _solve_series(flow, series)
            for i, month in enumerate(MONTHS):
                rng = random.Random(f"{SEED}|codes|{flow}|{series}|{month}")
                for partner in sorted({p for (_, p) in solved}):
                    kg = solved.get((i, partner), 0)
                    for code, code_kg in _split_codes(rng, flow, series, partner, kg):
                        quantities[(flow, month, code, partner)] += code_kg

    prices = {code: _price_index(code) for code in USD_PER_KG}
    lines: list[SampleLine] = []
    for flow, month, code, partner in sorted(quantities):
        kg = quantities[(flow, month, code, partner)]
        if kg <= 0:
            continue  # the portal omits empty cells
        rng = random.Random(f"{SEED}|line|{flow}|{month}|{code}|{partner}")
        with_regime = flow == "import" and month >= "2025-01"
        parts = _regime_split(rng, kg) if with_regime else [("", kg)]
        for regime, part_kg in parts:
            if part_kg <= 0:
                continue
            unit_value = USD_PER_KG[code] * prices[code][MONTH_INDEX[month]] * _jitter(rng, 0.08)
            usd = max(1, round(part_kg * unit_value))
            cny = round(usd * CNY_PER_USD[month])
            if flow == "export" and month >= SPLIT_FROM:
                # The line's kilograms and values divided between provinces and regimes: its totals stay.
                split = _province_regime_split(flow, month, code, partner, part_kg)
                weights = [float(split_kg) for _, _, split_kg in split]
                for (province, split_regime, split_kg), split_usd, split_cny in zip(
                    split, _apportion(usd, weights), _apportion(cny, weights), strict=True
                ):
                    lines.append(
                        SampleLine(month, flow, code, partner, split_kg, split_usd, split_cny, split_regime, province)
                    )
                continue
            lines.append(SampleLine(month, flow, code, partner, part_kg, usd, cny, regime))
    return tuple(lines)


def sample_lines() -> list[SampleLine]:
    """The rows every sample file is written from (one list for all files)."""
    return list(_build_lines())


# ---------------------------------------------------------------------------------------------
# File formats
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    chinese: bool
    encoding: str
    trailing_comma: bool
    month_column: bool
    currency: str  # "USD" or "CNY"
    regime: bool
    xlsx: bool = False
    province: bool = False


def _file_format(flow: str, month: str) -> _Format:
    if month < "2025-01" or (flow == "export" and month == "2025-03"):
        # The portal's native Chinese download; exports 2025-03 lost its month column.
        return _Format(
            chinese=True,
            encoding="gb18030",
            trailing_comma=True,
            month_column=month < "2025-01",
            currency="USD",
            regime=month >= SPLIT_FROM,
            province=month >= SPLIT_FROM,
        )
    return _Format(
        chinese=False,
        encoding="utf-8-sig" if flow == "export" else "utf-8",
        trailing_comma=False,
        month_column=True,
        currency="CNY" if flow == "export" and month <= "2025-06" else "USD",
        regime=True,
        xlsx=flow == "export" and month == "2025-08",
        province=flow == "export",
    )


def _columns(fmt: _Format) -> list[tuple[str, str]]:
    """(header, field) pairs in file order."""
    if fmt.chinese:
        cols = [("数据年月", "yyyymm")] if fmt.month_column else []
        cols += [
            ("商品编码", "hs_code"),
            ("商品名称", "hs_name"),
            ("贸易伙伴编码", "partner_code"),
            ("贸易伙伴名称", "partner_name"),
        ]
        if fmt.regime:
            cols += [("贸易方式编码", "regime_code"), ("贸易方式名称", "regime_name")]
        if fmt.province:
            cols += [("注册地编码", "province_code"), ("注册地名称", "province_name")]
        cols += [
            ("第一数量", "quantity"),
            ("第一计量单位", "unit"),
            ("第二数量", "missing_quantity"),
            ("第二计量单位", "missing_unit"),
            ("美元" if fmt.currency == "USD" else "人民币", "value"),
        ]
        return cols
    cols = [
        ("Commodity code", "hs_code"),
        ("Commodity", "hs_name"),
        ("Trading partner code", "partner_code"),
        ("Trading partner", "partner_name"),
    ]
    if fmt.regime:
        cols += [("Customs Regime code", "regime_code"), ("Customs Regime", "regime_name")]
    if fmt.province:
        cols += [
            ("Locations of importers and exporters code", "province_code"),
            ("Locations of importers and exporters", "province_name"),
        ]
    if fmt.month_column:
        cols += [("Date of data", "yyyymm")]
    cols += [
        ("Quantity", "quantity"),
        ("Unit", "unit"),
        ("Supplimentary Quantity", "missing_quantity"),
        ("Supplimentary Unit", "missing_unit"),
        ("US dollar" if fmt.currency == "USD" else "Renminbi Yuan", "value"),
    ]
    return cols


def _cell(line: SampleLine, name: str, fmt: _Format) -> str | int:
    commodity = COMMODITY_BY_CODE[line.hs_code]
    partner = PARTNER_BY_CODE[line.partner_code]
    regime = REGIME_BY_CODE.get(line.customs_regime)
    province = PROVINCE_BY_CODE.get(line.province)
    values: dict[str, str | int] = {
        "yyyymm": line.month.replace("-", ""),
        "hs_code": line.hs_code,
        "hs_name": commodity.name_zh if fmt.chinese else commodity.name_en,
        "partner_code": line.partner_code,
        "partner_name": partner.name_zh if fmt.chinese else partner.name_en,
        "regime_code": line.customs_regime,
        "regime_name": "" if regime is None else regime.name_zh if fmt.chinese else regime.name_en,
        "province_code": line.province,
        "province_name": "" if province is None else province.name_zh if fmt.chinese else province.name_en,
        "quantity": line.quantity_kg,
        "unit": UNIT_ZH if fmt.chinese else UNIT_EN,
        "missing_quantity": MISSING,
        "missing_unit": MISSING,
        "value": line.value_usd if fmt.currency == "USD" else line.value_cny,
    }
    return values[name]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _chinese_csv(lines: Sequence[SampleLine], fmt: _Format) -> str:
    """The portal's native layout: quoted header, quoted text, bare codes and numbers, and a
    trailing comma on every line."""
    cols = _columns(fmt)
    # The "?" of the missing second quantity is bare but its unit quoted, as the portal does.
    bare = {
        "yyyymm",
        "hs_code",
        "partner_code",
        "regime_code",
        "province_code",
        "quantity",
        "missing_quantity",
        "value",
    }
    end = "," if fmt.trailing_comma else ""
    out = [",".join(_quote(h) for h, _ in cols) + end]
    for line in lines:
        cells = [
            str(_cell(line, name, fmt)) if name in bare else _quote(str(_cell(line, name, fmt))) for _, name in cols
        ]
        out.append(",".join(cells) + end)
    return "\n".join(out) + "\n"


def _english_csv(lines: Sequence[SampleLine], fmt: _Format) -> str:
    """The English export: thousands separators, which force quoting of amounts."""
    cols = _columns(fmt)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h for h, _ in cols])
    for line in lines:
        row = []
        for _, name in cols:
            value = _cell(line, name, fmt)
            row.append(f"{value:,}" if isinstance(value, int) else value)
        writer.writerow(row)
    return buffer.getvalue()


_FIXED_TIME = dt.datetime(2025, 9, 20, 8, 0, 0)


def _xlsx_bytes(lines: Sequence[SampleLine], fmt: _Format) -> bytes:
    cols = _columns(fmt)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sheet1"
    sheet.append([h for h, _ in cols])
    text_columns = {"yyyymm", "hs_code", "partner_code", "regime_code", "province_code"}
    for row_number, line in enumerate(lines, start=2):
        for col_number, (_, name) in enumerate(cols, start=1):
            cell = sheet.cell(row=row_number, column=col_number, value=_cell(line, name, fmt))
            if name in text_columns:
                cell.number_format = "@"  # keep codes as text so leading zeros would survive
    workbook.properties.creator = "GACC"
    workbook.properties.created = _FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Remove the save-time timestamps openpyxl and zipfile embed, for byte-identical output."""
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return buffer.getvalue()


def sample_file_path(out_dir: Path, flow: str, month: str) -> Path:
    """Where the sample file of one flow and month is written."""
    plural = f"{flow}s"
    suffix = "xlsx" if _file_format(flow, month).xlsx else "csv"
    return out_dir / plural / month[:4] / f"gacc_{plural}_{month}.{suffix}"


def cumulative_file_path(out_dir: Path, flow: str, month: str) -> Path:
    """Where the year-to-date sample file of one flow, through one month, is written."""
    plural = f"{flow}s"
    return out_dir / plural / month[:4] / f"gacc_{plural}_{month}_ytd.csv"


CUMULATIVE_FROM = "2025-01"


def _year_to_date(lines: Sequence[SampleLine], flow: str, month: str) -> list[SampleLine]:
    """The year's lines through `month`, summed per commodity and partner (as a cumulative download)."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in lines:
        if line.flow == flow and line.month[:4] == month[:4] and line.month <= month:
            total = totals[(line.hs_code, line.partner_code)]
            total[0] += line.quantity_kg
            total[1] += line.value_usd
            total[2] += line.value_cny
    return [
        SampleLine(month, flow, code, partner, kg, usd, cny)
        for (code, partner), (kg, usd, cny) in sorted(totals.items())
    ]


def _cumulative_csv(lines: Sequence[SampleLine]) -> str:
    """A year-to-date download in English, with both currencies: the month column holds the end month."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["Date of data", "Commodity code", "Commodity", "Trading partner code", "Trading partner", "Quantity", "Unit",
         "US dollar", "Renminbi Yuan"]
    )  # fmt: skip
    for line in lines:
        writer.writerow(
            [
                line.month.replace("-", ""),
                line.hs_code,
                COMMODITY_BY_CODE[line.hs_code].name_en,
                line.partner_code,
                PARTNER_BY_CODE[line.partner_code].name_en,
                f"{line.quantity_kg:,}",
                UNIT_EN,
                f"{line.value_usd:,}",
                f"{line.value_cny:,}",
            ]
        )
    return buffer.getvalue()


def write_sample_files(out_dir: Path, cumulative: bool = False) -> list[Path]:
    """Write one raw GACC-style file per flow and month, 2024-01 to 2025-12; return the paths.

    With `cumulative`, the 2025 months come as year-to-date files (`..._2025-MM_ytd.csv`, the sums from
    January through that month) instead of monthly files: the warehouse must derive the same months.
    """
    all_lines = _build_lines()
    by_file: dict[tuple[str, str], list[SampleLine]] = defaultdict(list)
    for line in all_lines:
        by_file[(line.flow, line.month)].append(line)
    written: list[Path] = []
    total = len(FLOWS) * len(MONTHS)
    for flow in FLOWS:
        for month in MONTHS:
            if cumulative and month >= CUMULATIVE_FROM:
                path = cumulative_file_path(out_dir, flow, month)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(_cumulative_csv(_year_to_date(all_lines, flow, month)).encode("utf-8"))
            else:
                path = _write_monthly_file(out_dir, flow, month, by_file[(flow, month)])
            written.append(path)
            progress.info(f"sample file {len(written)}/{total}: {path.relative_to(out_dir)}", extra=TRANSIENT)
    return written


def _write_monthly_file(out_dir: Path, flow: str, month: str, lines: Sequence[SampleLine]) -> Path:
    fmt = _file_format(flow, month)
    path = sample_file_path(out_dir, flow, month)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt.xlsx:
        path.write_bytes(_xlsx_bytes(lines, fmt))
    else:
        text = _chinese_csv(lines, fmt) if fmt.chinese else _english_csv(lines, fmt)
        path.write_bytes(text.encode(fmt.encoding))
    return path
