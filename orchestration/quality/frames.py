"""The frames the suites validate, read from the build database."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb

from orchestration.quality.runner import MAX_EXAMPLES
from orchestration.reference_codes import partner_codes, rare_earth_code_groups
from orchestration.rules import kilogram_units, rare_earth_product_groups, us_partner_code

if TYPE_CHECKING:
    import pandas as pd

# Each month of each file is validated on its own: a failure holds back exactly that month of that file.
RAW_MONTH_GROUPS = ("month", "flow", "source_file", "vintage")
# What names a raw line in a failure's examples.
RAW_MONTH_LOCATE_BY = ("source_file", "row_number")


def raw_month_frame(con: duckdb.DuckDBPyConnection, flow: str, first: date, last: date) -> pd.DataFrame:
    """The current lines of one flow's months that decide the raw suite, each with its file's row count
    (the portal caps at 10,000).

    Validating every line in pandas took minutes and gigabytes for a 200 MB file, yet few lines decide
    each expectation. Per month of a file (a vintage) the frame keeps the first line of each commodity
    code with each unit, the first line of each partner code, the lines of the lowest quantities, and
    the first and last line of the first keys that repeat. An expectation fails on these lines exactly
    when it fails on all lines, its examples are real lines (file and row number), and its unexpected
    count counts these lines only. An expectation on another column needs that column kept here too.
    The unit is trimmed and lower-cased, as the kilogram rule compares it (rules.kilogram_units).
    """
    return con.execute(
        f"""with current_lines as materialized (
               -- The view's window runs once, over the identity of each line only.
               select vintage, row_number from raw.current_customs_lines
               where flow = $flow and month between $first and $last),
           lines as not materialized (
               -- Rescanned from the table by each use: held in memory, these columns would take
               -- hundreds of MB for a large file.
               select vintage, month, row_number, hs_code, partner_code, regime_code, province_code, unit, quantity_kg
               from raw.customs_lines semi join current_lines using (vintage, row_number)),
           repeated_keys as (
               select vintage, min(row_number) as first_row, max(row_number) as last_row
               from lines
               group by vintage, month, hs_code, partner_code, regime_code, province_code
               having count(*) > 1
               qualify row_number() over (partition by vintage, month order by first_row) <= {MAX_EXAMPLES}),
           deciding as (
               select vintage, min(row_number) as row_number from lines group by vintage, month, hs_code, unit
               union
               select vintage, min(row_number) from lines group by vintage, month, partner_code
               union
               select vintage, unnest(arg_min(row_number, (quantity_kg, row_number), {MAX_EXAMPLES}))
               from lines where quantity_kg is not null group by vintage, month
               union
               select vintage, unnest([first_row, last_row]) from repeated_keys)
           select l.flow, l.month, l.hs_code, l.partner_code, l.regime_code, l.province_code,
                  cast(l.quantity_kg as double) as quantity_kg, lower(nullif(trim(l.unit), '')) as unit,
                  cast(l.value_usd as double) as value_usd, cast(l.value_cny as double) as value_cny,
                  l.source_file, l.vintage, l.row_number, f.rows as rows_in_file,
                  list_contains($rare_earth_codes, l.hs_code) as is_rare_earth_code
           from raw.customs_lines as l
           join deciding as d on d.vintage = l.vintage and d.row_number = l.row_number
           left join audit.files as f on f.vintage = l.vintage
           order by l.vintage, l.row_number""",
        {"flow": flow, "first": first, "last": last, "rare_earth_codes": list(rare_earth_code_groups())},
    ).df()


def raw_month_parameters(first: date, last: date) -> dict[str, object]:
    import pandas as pd

    return {
        "partner_codes": list(partner_codes()),
        "kilogram_units": list(kilogram_units()),
        "first_month": pd.Timestamp(first),
        "last_month": pd.Timestamp(last),
    }


def marts_month_frame(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    """One row per month x product group x series (WORLD, and US-bound) with the identities the marts
    must satisfy and each month-on-month move measured against the series' own history."""
    return con.execute(
        """with groups as (select * from marts.exports_by_group_monthly),
           partners as (
               select month, product_group, sum(tonnes) as tonnes
               from groups where partner_code <> 'WORLD' group by all),
           four as (
               select month, partner_code, sum(tonnes) as tonnes from groups
               where list_contains($rare_earth_groups, product_group) group by all),
           months_so_far as (
               select g.month, g.product_group, g.partner_code, sum(earlier.tonnes) as tonnes
               from groups as g join groups as earlier
                 on earlier.product_group = g.product_group and earlier.partner_code = g.partner_code
                and year(earlier.month) = year(g.month) and earlier.month <= g.month
               group by all),
           history as (
               select g.month, g.product_group, g.partner_code,
                      greatest(25, 4 * median(abs(earlier.mom_pct))) as band
               from groups as g join groups as earlier
                 on earlier.product_group = g.product_group and earlier.partner_code = g.partner_code
                and earlier.month < g.month and earlier.mom_pct is not null
               group by all)
           select g.month, g.product_group, g.partner_code,
                  g.product_group || ' exports to ' || g.partner_name_en as series,
                  round(g.mom_pct, 1) as mom_pct,
                  round(h.band, 1) as band,
                  cast(case when g.partner_code = 'WORLD' then g.tonnes - p.tonnes end as double)
                      as world_minus_partners,
                  cast(g.ytd_tonnes - s.tonnes as double) as ytd_minus_months,
                  cast(case when g.product_group = 'all_rare_earth' then g.tonnes - f.tonnes end as double)
                      as all_minus_groups,
                  cast(abs(g.mom_pct) - h.band as double) as mom_beyond_band
           from groups as g
           left join partners as p on p.month = g.month and p.product_group = g.product_group
           left join four as f on f.month = g.month and f.partner_code = g.partner_code
           join months_so_far as s
             on s.month = g.month and s.product_group = g.product_group and s.partner_code = g.partner_code
           left join history as h
             on h.month = g.month and h.product_group = g.product_group and h.partner_code = g.partner_code
           where g.month between $first and $last and g.partner_code in ('WORLD', $us)
           order by mom_beyond_band desc nulls last, g.month, series""",
        {"first": first, "last": last, "us": us_partner_code(), "rare_earth_groups": list(rare_earth_product_groups())},
    ).df()


def staged_month_frame(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    """The months' rare-earth lines joined to the dimensions, with value per kilogram against the
    median of the same commodity and flow over the earlier months (a product group mixes cerium at a
    few dollars with terbium at hundreds, so the band is learned per code)."""
    return con.execute(
        """with lines as (
               select f.*, p.is_known as product_known, d.is_known as partner_known,
                      f.value_usd / nullif(f.quantity_kg, 0) as usd_per_kg
               from marts.fct_trade_monthly as f
               join marts.dim_product as p on p.hs_code = f.hs_code
               join marts.dim_partner as d on d.partner_code = f.partner_code),
           history as (
               select flow, hs_code, median(usd_per_kg) as median_usd_per_kg
               from lines where month < ? and product_group <> 'other' group by all)
           select l.month, l.flow, l.hs_code, l.partner_code, l.source_file, l.product_known, l.partner_known,
                  round(l.usd_per_kg, 2) as usd_per_kg,
                  cast(l.usd_per_kg / h.median_usd_per_kg as double) as usd_per_kg_vs_history
           from lines as l
           left join history as h on h.flow = l.flow and h.hs_code = l.hs_code
           where l.month between ? and ? and (l.product_group <> 'other' or not l.product_known
                 or not l.partner_known)""",
        [first, first, last],
    ).df()


# Each month of each partner-reported file is validated on its own, like a customs file's.
PARTNER_MONTH_GROUPS = ("month", "source_file", "vintage")


def partner_month_frame(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    """The current partner-reported lines of the months: a few thousand, validated whole."""
    return con.execute(
        """select month, reporterISO, flowCode, partnerISO, partner2Code, cmdCode, customsCode, mosCode, motCode,
                  netWgt, primaryValue, source_file, vintage, row_number
           from raw.current_partner_lines where month between ? and ? order by vintage, row_number""",
        [first, last],
    ).df()


# The history a mirror gap is judged against: at least this many earlier months of the series.
MIRROR_MIN_HISTORY = 6


def mirror_month_frame(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    """One row per month x product group x partner of the mirror mart with both sides reported: the tonnes gap, the
    series' usual gap (median of its earlier months) and the band around it (4 times the earlier gaps' median distance
    from it, at least 30 points)."""
    return con.execute(
        """with mirror as (
               select month, product_group, partner_iso3, partner_name_en, tonnes_gap_pct
               from marts.mirror_trade_monthly where tonnes_gap_pct is not null),
           earlier as (
               select m.month, m.product_group, m.partner_iso3, e.tonnes_gap_pct
               from mirror as m join mirror as e
                 on e.product_group = m.product_group and e.partner_iso3 = m.partner_iso3 and e.month < m.month),
           centres as (
               select month, product_group, partner_iso3, median(tonnes_gap_pct) as usual_gap_pct
               from earlier group by all having count(*) >= $min_history),
           bands as (
               select c.month, c.product_group, c.partner_iso3, c.usual_gap_pct,
                      greatest(30, 4 * median(abs(e.tonnes_gap_pct - c.usual_gap_pct))) as band
               from centres as c join earlier as e using (month, product_group, partner_iso3)
               group by all)
           select m.month, m.product_group, m.partner_iso3, m.partner_name_en,
                  m.product_group || ' imports from China reported by ' || coalesce(m.partner_name_en, m.partner_iso3)
                      as series,
                  round(m.tonnes_gap_pct, 1) as tonnes_gap_pct,
                  round(b.usual_gap_pct, 1) as usual_gap_pct,
                  round(b.band, 1) as band,
                  cast(abs(m.tonnes_gap_pct - b.usual_gap_pct) - b.band as double) as gap_beyond_band
           from mirror as m
           left join bands as b using (month, product_group, partner_iso3)
           where m.month between $first and $last
           order by gap_beyond_band desc nulls last, m.month, series""",
        {"first": first, "last": last, "min_history": MIRROR_MIN_HISTORY},
    ).df()
