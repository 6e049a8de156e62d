{{ config(severity='warn', store_failures=true, schema='audit',
          meta={'dagster': {'ref': {'name': 'int_customs__monthly_from_ytd'}}}) }}
-- The check belongs on the derived months (it reads the monthly lines too; Dagster needs one asset).
-- Where a monthly file and year-to-date files both cover a month, the monthly file is used; the month
-- derived from the cumulative should agree with it. The failing rows name each series (flow, month,
-- commodity) that differs by more than a tonne, for the months of the run (history is not re-read monthly).
with monthly as (
    select flow, month, hs_code, sum(quantity) as quantity_kg
    from {{ ref('int_customs__current_lines') }}
    where period_kind = 'month' and coalesce(lower(unit) in ('千克', 'kilogram', 'kilograms', 'kg'), true)
      and {{ months_of_this_run('month') }}
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
