-- Exports per month x product group x partner (and WORLD), with month-on-month and year-on-year
-- changes against the true calendar month before and year before (a missing month gives NULL, never
-- the month before it), share of world, year-to-date and rank among partners.
with series as (
    select * from {{ ref('int_exports__group_partner_monthly') }}
),

ranked as (
    select
        *,
        case when partner_code <> 'WORLD' then
            rank() over (partition by month, product_group, partner_code = 'WORLD' order by tonnes desc)
        end as rank_in_month,
        sum(tonnes) over (
            partition by product_group, partner_code, year(month) order by month rows unbounded preceding
        ) as ytd_tonnes
    from series
)

select
    current_month.month,
    current_month.product_group,
    current_month.partner_code,
    case when current_month.partner_code = 'WORLD' then 'World' else partner.name_en end as partner_name_en,
    current_month.tonnes,
    current_month.value_usd,
    previous_month.tonnes as tonnes_prev_month,
    cast(100 * (current_month.tonnes / nullif(previous_month.tonnes, 0) - 1) as double) as mom_pct,
    previous_year.tonnes as tonnes_prev_year,
    cast(100 * (current_month.tonnes / nullif(previous_year.tonnes, 0) - 1) as double) as yoy_pct,
    cast(100 * current_month.tonnes / nullif(world.tonnes, 0) as double) as share_of_world_pct,
    cast(current_month.ytd_tonnes as decimal(18, 6)) as ytd_tonnes,
    cast(current_month.rank_in_month as integer) as rank_in_month
from ranked as current_month
left join series as previous_month
    on previous_month.product_group = current_month.product_group
    and previous_month.partner_code = current_month.partner_code
    and previous_month.month = cast(current_month.month - interval 1 month as date)
left join series as previous_year
    on previous_year.product_group = current_month.product_group
    and previous_year.partner_code = current_month.partner_code
    and previous_year.month = cast(current_month.month - interval 12 month as date)
left join series as world
    on world.product_group = current_month.product_group
    and world.partner_code = 'WORLD'
    and world.month = current_month.month
left join {{ ref('dim_partner') }} as partner on partner.partner_code = current_month.partner_code
