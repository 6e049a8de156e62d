{{ config(materialized='incremental', on_schema_change='append_new_columns', **monthly_incremental()) }}
-- Export tonnes and values per month x product group x partner, with the two roll-up groups and the
-- WORLD total. Incremental: a run rewrites only its months; the history-dependent measures (MoM, YoY,
-- YTD, rank, trough) are computed downstream over this small table, so they follow any revision.
-- Sums are exact (kilograms, and money to the thousandth); a value is NULL unless every line carries it.
with exports as (
    select
        month, product_group, partner_code, quantity_kg, period_months, value_usd_derived,
        cast(value_usd as decimal(18, 3)) as value_usd,
        cast(value_cny as decimal(18, 3)) as value_cny
    from {{ ref('fct_trade_monthly') }}
    where flow = 'export' and product_group <> 'other' and {{ months_in_run('month') }}
),

by_group as (
    select month, product_group, partner_code, quantity_kg, value_usd, value_cny, value_usd_derived, period_months
    from exports
    union all
    select month, 'rare_earths_headline', partner_code, quantity_kg, value_usd, value_cny, value_usd_derived, period_months
    from exports where product_group in ('{{ var("rare_earths_headline_groups") | join("', '") }}')
    union all
    select month, 'all_rare_earth', partner_code, quantity_kg, value_usd, value_cny, value_usd_derived, period_months
    from exports
),

by_partner as (
    select
        month,
        product_group,
        partner_code,
        cast(sum(quantity_kg) * 0.001 as decimal(18, 6)) as tonnes,
        cast({{ complete_sum('value_usd') }} as decimal(18, 3)) as value_usd,
        -- 2 for a January–February combined release (month = January).
        cast(max(period_months) as integer) as period_months,
        cast({{ complete_sum('value_cny') }} as decimal(18, 3)) as value_cny,
        bool_or(value_usd_derived) as value_usd_derived
    from by_group
    group by month, product_group, partner_code
)

select * from by_partner
union all
select
    month, product_group, 'WORLD', cast(sum(tonnes) as decimal(18, 6)),
    cast({{ complete_sum('value_usd') }} as decimal(18, 3)), cast(max(period_months) as integer),
    cast({{ complete_sum('value_cny') }} as decimal(18, 3)), bool_or(value_usd_derived)
from by_partner
group by month, product_group
