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

{{ export_groups_by_partner('exports') }}
