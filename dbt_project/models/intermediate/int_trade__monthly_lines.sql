{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='month') }}
-- Current lines summed to month x flow x commodity x partner (over regimes and provinces). Only
-- kilogram quantities are summed; lines in another unit are kept, counted and summed on their own.
with lines as (
    select
        l.*,
        coalesce(lower(l.unit) in ('千克', 'kilogram', 'kilograms', 'kg'), p.unit_en = 'Kilogram', true) as is_kilogram
    from {{ ref('int_customs__current_lines') }} as l
    left join {{ ref('dim_product_codes') }} as p on p.hs_code = l.hs_code
    where {{ months_in_run('l.month') }}
)

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
    string_agg(distinct source_file, ', ' order by source_file) as source_file
from lines
group by month, flow, hs_code, partner_code
