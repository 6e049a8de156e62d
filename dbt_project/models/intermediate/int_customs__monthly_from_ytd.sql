{{ config(materialized='view') }}
-- Months derived from year-to-date (cumulative) files: YTD(m) − YTD(m−1) per flow, commodity and partner,
-- within a year. January is its own YTD; a YTD through February with no January file is the Jan–Feb
-- combined period (period_months = 2, month = January), never split by invention. A month whose previous
-- YTD is missing (a gap) is not derived. A negative derived month (a downward revision hidden in a
-- cumulative) is kept and flagged, never clipped.
with ytd as (
    select
        l.flow,
        l.month,
        l.hs_code,
        l.partner_code,
        sum(l.quantity) filter (where {{ is_kilogram('l.unit', 'p.unit_en') }}) as quantity_kg,
        sum(l.value_usd) as value_usd,
        sum(l.value_cny) as value_cny,
        max(l.vintage) as vintage,
        {{ sorted_distinct_list('l.source_file', ', ') }} as source_file
    from {{ ref('stg_customs__trade_lines') }} as l
    left join {{ ref('dim_product_codes') }} as p on p.hs_code = l.hs_code
    where l.is_current and l.period_kind = 'ytd'
    group by all
),

ytd_months as (
    select
        flow,
        month,
        lag(month) over (partition by flow, year(month) order by month) as previous_month
    from (select distinct flow, month from ytd)
),

periods as (
    select
        flow,
        month,
        previous_month,
        case
            when month(month) = 1 then 'ytd: January'
            when month(month) = 2 and previous_month is null then 'ytd: January–February combined'
            when previous_month = month - interval 1 month then 'ytd: difference from the previous month'
        end as derivation
    from ytd_months
),

keys as (
    -- Every commodity and partner of the month or of the month before: one that vanished from the
    -- cumulative (a downward revision) derives a negative month.
    select p.flow, p.month, p.previous_month, p.derivation, y.hs_code, y.partner_code
    from periods as p
    join ytd as y on y.flow = p.flow and y.month in (p.month, p.previous_month)
    where p.derivation is not null
    group by all
)

select
    case when k.derivation like '%combined' then k.month - interval 1 month else k.month end::date as month,
    case when k.derivation like '%combined' then 2 else 1 end as period_months,
    k.flow,
    k.hs_code,
    k.partner_code,
    cast(coalesce(cur.quantity_kg, 0) - coalesce(prev.quantity_kg, 0) as decimal(18, 3)) as quantity_kg,
    cast(
        case when coalesce(cur.value_usd, prev.value_usd) is not null
             then coalesce(cur.value_usd, 0) - coalesce(prev.value_usd, 0) end as decimal(18, 3)
    ) as value_usd,
    cast(
        case when coalesce(cur.value_cny, prev.value_cny) is not null
             then coalesce(cur.value_cny, 0) - coalesce(prev.value_cny, 0) end as decimal(18, 3)
    ) as value_cny,
    greatest(cur.vintage, prev.vintage) as vintage,
    concat_ws(' − ', cur.source_file, prev.source_file) as source_file,
    k.derivation
from keys as k
left join ytd as cur
  on cur.flow = k.flow and cur.month = k.month and cur.hs_code = k.hs_code and cur.partner_code = k.partner_code
left join ytd as prev
  on prev.flow = k.flow and prev.month = k.previous_month and k.derivation like '%previous month'
 and prev.hs_code = k.hs_code and prev.partner_code = k.partner_code
