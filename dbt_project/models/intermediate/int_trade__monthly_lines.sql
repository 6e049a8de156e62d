{{ config(
    materialized='incremental', incremental_strategy='delete+insert', unique_key='month',
    on_schema_change='append_new_columns'
) }}
-- Current lines (is_current) summed to month x flow x commodity x partner (over regimes and provinces). Only
-- kilogram quantities are summed; lines in another unit are kept, counted and summed on their own.
-- Months of year-to-date files come from int_customs__monthly_from_ytd; a monthly file wins over them
-- for the commodities it holds.
with lines as (
    select
        l.*,
        {{ is_kilogram('l.unit', 'p.unit_en') }} as is_kilogram
    from {{ ref('stg_customs__trade_lines') }} as l
    left join {{ ref('dim_product_codes') }} as p on p.hs_code = l.hs_code
    where l.is_current and l.period_kind is distinct from 'ytd' and {{ months_in_run('l.month') }}
),

monthly as (
    select
        month,
        max(period_months) as period_months,
        flow,
        hs_code,
        partner_code,
        cast(coalesce(sum(quantity) filter (where is_kilogram), 0) as decimal(18, 3)) as quantity_kg,
        cast(sum(quantity) filter (where not is_kilogram) as decimal(18, 3)) as quantity_other_units,
        cast(count(*) filter (where not is_kilogram) as integer) as non_kilogram_lines,
        cast(sum(value_usd) as decimal(18, 3)) as value_usd,
        cast(sum(value_cny) as decimal(18, 3)) as value_cny,
        max(vintage) as vintage,
        string_agg(distinct source_file, ', ' order by source_file) as source_file,
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
)

select * from monthly
union all
select * from derived
