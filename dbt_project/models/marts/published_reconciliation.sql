-- Each figure the press published (seed published_figures) beside the warehouse's own for the same
-- period, series and partner: tonnes, and the month-on-month / year-on-year change the article quoted.
-- A period is a month ('2025-11'), a Jan–Feb combined release ('2025-01..02') or a year ('2025').
with figures as (
    select
        *,
        make_date(
            cast(left(period, 4) as integer),
            case when length(period) >= 7 then cast(substr(period, 6, 2) as integer) else 1 end,
            1
        ) as period_start,
        regexp_extract(reported_change, '([+-]?[0-9]+([.][0-9]+)?)% m/m', 1) as mom_text,
        regexp_extract(reported_change, '([+-]?[0-9]+([.][0-9]+)?)% y/y', 1) as yoy_text,
        -- Published numbers are rounded: to the tonne, or to the one decimal they show.
        case when tonnes = round(tonnes) then 0.5 else 0.05 end as tonnes_tolerance
    from {{ ref('published_figures') }}
),

series_groups as (
    -- The product groups of each series: a group is a series of its own; the roll-ups as in
    -- int_exports__group_partner_monthly (vars rare_earth_product_groups and rare_earths_headline_groups).
    select * from (values
    {%- for group in var('rare_earth_product_groups') %}
        ('{{ group }}', '{{ group }}'), ('all_rare_earth', '{{ group }}'),
    {%- endfor %}
    {%- for group in var('rare_earths_headline_groups') %}
        ('rare_earths_headline', '{{ group }}'){{ "," if not loop.last }}
    {%- endfor %}
    ) as t (series, product_group)
),

windows as (
    -- The period itself, the period before it (of the same length) and the same period a year before.
    select
        f.*,
        w.window_name,
        {{ add_months_to(
            'f.period_start',
            "case w.window_name when 'current' then 0 when 'previous' then -f.period_months else -12 end"
        ) }} as window_start
    from figures as f
    cross join (values ('current'), ('previous'), ('year_before')) as w (window_name)
),

loaded_months as (
    -- The months the warehouse holds per flow (a Jan–Feb combined release is one row covering two).
    select distinct flow, month, period_months from {{ ref('fct_trade_monthly') }}
),

warehouse as (
    -- Exact: kilograms summed, then tonnes (the marts' DOUBLE tonnes would add rounding noise to the difference).
    select w.period, w.flow, w.series, w.partner_code, w.window_name, sum(t.quantity_kg) * 0.001 as tonnes
    from windows as w
    join series_groups as g on g.series = w.series
    join {{ ref('fct_trade_monthly') }} as t
      on t.flow = w.flow
     and t.product_group = g.product_group
     and (w.partner_code is null or t.partner_code = w.partner_code)
     and t.month >= w.window_start
     and t.month < {{ add_months_to('w.window_start', 'w.period_months') }}
    group by all
),

compared as (
    select
        f.period,
        cast(f.period_months as integer) as period_months,
        f.flow,
        f.series,
        coalesce(f.partner_code, 'WORLD') as partner_code,
        f.partner_name,
        {{ as_measure('f.tonnes') }} as published_tonnes,
        {{ as_measure('cur.tonnes') }} as warehouse_tonnes,
        {{ as_measure('cur.tonnes - f.tonnes') }} as difference_tonnes,
        f.reported_change,
        try_cast(nullif(f.mom_text, '') as double) as published_mom_pct,
        round({{ ratio('100 * (cur.tonnes - prev.tonnes)', 'nullif(prev.tonnes, 0)') }}, 1) as warehouse_mom_pct,
        try_cast(nullif(f.yoy_text, '') as double) as published_yoy_pct,
        round({{ ratio('100 * (cur.tonnes - ago.tonnes)', 'nullif(ago.tonnes, 0)') }}, 1) as warehouse_yoy_pct,
        {{ as_measure('f.tonnes_tolerance') }} as tonnes_tolerance,
        -- A quoted change is rounded to its decimals, and was worked out from rounded tonnes: 0.15 points more.
        cast(case when f.mom_text like '%.%' then 0.2 else 0.65 end as decimal(3, 2)) as mom_tolerance,
        cast(case when f.yoy_text like '%.%' then 0.2 else 0.65 end as decimal(3, 2)) as yoy_tolerance,
        f.source,
        -- Every month of the period is in the warehouse: only then can the figures disagree.
        coalesce((
            select sum(m.period_months) from loaded_months as m
            where m.flow = f.flow and m.month >= f.period_start and m.month < {{ add_months_to('f.period_start', 'f.period_months') }}
        ), 0) >= f.period_months as period_loaded,
        {{ partner_attribute('iso3', "coalesce(f.partner_code, 'WORLD')", 'partner') }} as partner_iso3,
        {{ partner_attribute('name_en', "coalesce(f.partner_code, 'WORLD')", 'partner') }} as partner_name_en,
        {{ partner_attribute('name_zh', "coalesce(f.partner_code, 'WORLD')", 'partner') }} as partner_name_zh
    from figures as f
    left join {{ ref('dim_partner') }} as partner on partner.partner_code = f.partner_code
    left join warehouse as cur
      on cur.period = f.period and cur.flow = f.flow and cur.series = f.series
     and cur.partner_code is not distinct from f.partner_code and cur.window_name = 'current'
    left join warehouse as prev
      on prev.period = f.period and prev.flow = f.flow and prev.series = f.series
     and prev.partner_code is not distinct from f.partner_code and prev.window_name = 'previous'
    left join warehouse as ago
      on ago.period = f.period and ago.flow = f.flow and ago.series = f.series
     and ago.partner_code is not distinct from f.partner_code and ago.window_name = 'year_before'
),

checked as (
    select
        * except (mom_tolerance, yoy_tolerance, period_loaded, partner_iso3, partner_name_en, partner_name_zh),
        -- NULL when the warehouse lacks a month of the period: nothing to agree or disagree with.
        case when period_loaded then coalesce(abs(difference_tonnes) <= tonnes_tolerance, false) end as tonnes_agree,
        -- NULL when the article quoted no change, or the warehouse lacks the period to compare with.
        case
            when not period_loaded then null
            when abs(warehouse_mom_pct - published_mom_pct) > mom_tolerance
              or abs(warehouse_yoy_pct - published_yoy_pct) > yoy_tolerance then false
            when (published_mom_pct is null or warehouse_mom_pct is not null)
             and (published_yoy_pct is null or warehouse_yoy_pct is not null)
             and coalesce(published_mom_pct, published_yoy_pct) is not null then true
        end as change_agrees,
        period_loaded,
        partner_iso3,
        partner_name_en,
        partner_name_zh
    from compared
)

select
    *,
    case
        when not period_loaded then 'not loaded'
        when tonnes_agree and change_agrees is not false then 'agrees'
        else 'disagrees'
    end as reconciliation
from checked
