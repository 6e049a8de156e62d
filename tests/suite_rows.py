"""Rows that pass their suite, for tests to change one value of."""

MARTS_OK = {
    "series": "magnets exports to World",
    "month": "2025-11-01",
    "mom_pct": 12.4,
    "band": 40.0,
    "world_minus_partners": 0.0,
    "ytd_minus_months": 0.0,
    "all_minus_groups": 0.0,
    "mom_beyond_band": -27.6,
}
