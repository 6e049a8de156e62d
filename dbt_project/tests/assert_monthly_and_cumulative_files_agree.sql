{{ config(severity='warn', store_failures=true, schema='audit',
          meta={'dagster': {'ref': {'name': 'int_customs__monthly_from_ytd'}}}) }}
-- The check belongs on the derived months (it reads the monthly lines too; Dagster needs one asset).
-- Where a monthly file and year-to-date files both cover a month, the monthly file is used; the month
-- derived from the cumulative should agree with it. The failing rows name each series (flow, month,
-- commodity) that differs by more than a tonne, for the months of the run (history is not re-read monthly).
with monthly as (
    select l.flow, l.month, l.hs_code, sum(l.quantity) as quantity_kg
    from {{ ref('stg_customs__trade_lines') }} as l
    left join {{ ref('dim_product_codes') }} as p on p.hs_code = l.hs_code
    where l.is_current and l.period_kind = 'month' and {{ is_kilogram('l.unit', 'p.unit_en') }}
      and {{ months_of_this_run('l.month') }}
    group by all
),
derived as (
    select flow, month, hs_code, sum(quantity_kg) as quantity_kg
    from {{ ref('int_customs__monthly_from_ytd') }}
    where {{ months_of_this_run('month') }}
    group by all
)
select m.flow, m.month, m.hs_code, m.quantity_kg / 1000 as monthly_tonnes, d.quantity_kg / 1000 as derived_tonnes,
       (d.quantity_kg - m.quantity_kg) / 1000 as difference_tonnes
from monthly as m
join derived as d using (flow, month, hs_code)
where abs(d.quantity_kg - m.quantity_kg) > 1000
