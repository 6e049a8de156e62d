{{ config(materialized='incremental', on_schema_change='append_new_columns', **monthly_incremental()) }}
-- Current lines (is_current) summed to month x flow x commodity x partner (over regimes and provinces). Only
-- kilogram quantities are summed; lines in another unit are kept, counted and summed on their own.
-- Months of year-to-date files come from int_customs__monthly_from_ytd; a monthly file wins over them
-- for the commodities it holds. A value sums only when every line carries it (never silently partial); US
-- dollars missing where renminbi are there are converted at the month's implied rate (value_usd_derived).
with lines as (
    {{ current_monthly_file_lines() }}
),

monthly as (
    select
        month,
        max(period_months) as period_months,
        flow,
        hs_code,
        partner_code,
        {{ kilograms_of_lines() }} as quantity_kg,
        cast(sum(quantity) filter (where not is_kilogram) as decimal(18, 3)) as quantity_other_units,
        cast(count(*) filter (where not is_kilogram) as integer) as non_kilogram_lines,
        cast({{ complete_sum('value_usd') }} as decimal(18, 3)) as value_usd,
        cast({{ complete_sum('value_cny') }} as decimal(18, 3)) as value_cny,
        max(vintage) as vintage,
        {{ sorted_distinct_list('source_file', ', ') }} as source_file,
        'monthly file' as derivation
    from lines
    group by month, flow, hs_code, partner_code
),

derived as (
    select
        d.month,
        d.period_months,
        d.flow,
        d.hs_code,
        d.partner_code,
        d.quantity_kg,
        cast(null as decimal(18, 3)) as quantity_other_units,
        0 as non_kilogram_lines,
        d.value_usd,
        d.value_cny,
        d.vintage,
        d.source_file,
        d.derivation
    from {{ ref('int_customs__monthly_from_ytd') }} as d
    where {{ months_in_run('d.month') }}
      and not exists (
          select 1 from lines as m where m.flow = d.flow and m.month = d.month and m.hs_code = d.hs_code
      )
      -- A commodity and partner with no trade in the month: no row, as in a monthly file.
      and (d.quantity_kg <> 0 or coalesce(d.value_usd, 0) <> 0 or coalesce(d.value_cny, 0) <> 0)
),

summed as (
    select * from monthly
    union all
    select * from derived
),

usd_per_cny as (
    -- The month's exchange rate as its own customs figures imply it (both currencies, either flow).
    {{ usd_per_cny_by_month('summed') }}
)

select
    summed.month,
    summed.period_months,
    summed.flow,
    summed.hs_code,
    summed.partner_code,
    summed.quantity_kg,
    summed.quantity_other_units,
    summed.non_kilogram_lines,
    {{ usd_or_converted('summed.value_usd', 'summed.value_cny', 'usd_per_cny.rate') }} as value_usd,
    summed.value_cny,
    summed.vintage,
    summed.source_file,
    summed.derivation,
    {{ usd_was_converted('summed.value_usd', 'summed.value_cny', 'usd_per_cny.rate') }} as value_usd_derived
from summed
left join usd_per_cny on usd_per_cny.month = summed.month
