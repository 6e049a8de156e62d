{{ config(materialized='incremental', on_schema_change='append_new_columns', **monthly_incremental()) }}
-- Export tonnes and values per month x product group x partner (and WORLD), split by the province of the trading
-- firm (split_by = 'province') and, apart, by customs regime (split_by = 'regime'): split_code is the line's code, or
-- var unspecified_code for a line whose file has no such column, and for a month derived from year-to-date files
-- (the difference of two cumulatives is not split). Nothing is dropped: over the split codes, each month x group x
-- partner sums exactly to int_exports__group_partner_monthly (the same lines, rules and roll-ups: macros
-- current_monthly_file_lines, kilograms_of_lines, usd_per_cny_by_month, export_groups_by_partner). Incremental.
with lines as (
    {{ current_monthly_file_lines() }}
),

split_lines as (
    select
        month, flow, hs_code, partner_code, 'province' as split_by,
        coalesce(province_code, '{{ var("unspecified_code") }}') as split_code,
        period_months, quantity, is_kilogram, value_usd, value_cny
    from lines
    where flow = 'export'
    union all
    select
        month, flow, hs_code, partner_code, 'regime' as split_by,
        coalesce(regime_code, '{{ var("unspecified_code") }}') as split_code,
        period_months, quantity, is_kilogram, value_usd, value_cny
    from lines
    where flow = 'export'
),

summed as (
    select
        month, flow, hs_code, partner_code, split_by, split_code,
        max(period_months) as period_months,
        {{ kilograms_of_lines() }} as quantity_kg,
        cast({{ complete_sum('value_usd') }} as decimal(18, 3)) as value_usd,
        cast({{ complete_sum('value_cny') }} as decimal(18, 3)) as value_cny
    from split_lines
    group by month, flow, hs_code, partner_code, split_by, split_code
),

monthly_lines as (
    select * from {{ ref('int_trade__monthly_lines') }} where {{ months_in_run('month') }}
),

reported as (
    -- int_trade__monthly_lines' values as reported (before any conversion from renminbi).
    select month, case when not value_usd_derived then value_usd end as value_usd, value_cny from monthly_lines
),

usd_per_cny as (
    -- The month's rate, the same as int_trade__monthly_lines implied.
    {{ usd_per_cny_by_month('reported') }}
),

from_lines as (
    select
        summed.month, summed.flow, summed.hs_code, summed.partner_code, summed.split_by, summed.split_code,
        summed.period_months, summed.quantity_kg,
        {{ usd_or_converted('summed.value_usd', 'summed.value_cny', 'usd_per_cny.rate') }} as value_usd,
        summed.value_cny,
        {{ usd_was_converted('summed.value_usd', 'summed.value_cny', 'usd_per_cny.rate') }} as value_usd_derived
    from summed
    left join usd_per_cny on usd_per_cny.month = summed.month
),

from_cumulatives as (
    select
        m.month, m.flow, m.hs_code, m.partner_code, kinds.split_by, '{{ var("unspecified_code") }}' as split_code,
        m.period_months, m.quantity_kg, m.value_usd, m.value_cny, m.value_usd_derived
    from monthly_lines as m
    cross join (select 'province' as split_by union all select 'regime') as kinds
    where m.flow = 'export' and m.derivation <> 'monthly file'
),

exports as (
    -- The export lines of fct_trade_monthly's rows (its product group; the same keys), rare-earth groups only.
    select
        s.month, fct.product_group, s.partner_code, s.split_by, s.split_code, s.quantity_kg, s.value_usd,
        s.value_cny, coalesce(s.value_usd_derived, false) as value_usd_derived, s.period_months
    from (select * from from_lines union all select * from from_cumulatives) as s
    inner join {{ ref('fct_trade_monthly') }} as fct
        on fct.month = s.month and fct.flow = s.flow and fct.hs_code = s.hs_code and fct.partner_code = s.partner_code
    where fct.product_group <> 'other' and {{ months_in_run('fct.month') }}
),

{{ export_groups_by_partner('exports', ['split_by', 'split_code']) }}
