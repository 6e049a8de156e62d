-- Exports per month x product group x partner (and WORLD), with month-on-month and year-on-year
-- changes against the true calendar month before and year before (a missing month gives NULL, never
-- the month before it), share of world, year-to-date and rank among partners. A January–February
-- combined release (period_months = 2) is one period: March's MoM compares with its monthly average
-- (mom_basis says so), its own MoM is NULL, and YoY compares like with like (macro period_comparison_joins,
-- shared with the province and regime marts). Measures are computed exactly and leave as DOUBLE
-- (macros/analyst_numbers.sql).
with series as (
    select
        month, product_group, partner_code, tonnes, value_usd, coalesce(period_months, 1) as period_months, value_cny,
        value_usd_derived
    from {{ ref('int_exports__group_partner_monthly') }}
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
    {{ partner_attribute('name_en', 'current_month.partner_code', 'partner') }} as partner_name_en,
    {{ as_measure('current_month.tonnes') }} as tonnes,
    {{ as_measure('current_month.value_usd') }} as value_usd,
    {{ as_measure('bases.mom_base') }} as tonnes_prev_month,
    {{ pct_change('current_month.tonnes', 'bases.mom_base') }} as mom_pct,
    {{ as_measure('bases.yoy_base') }} as tonnes_prev_year,
    {{ pct_change('current_month.tonnes', 'bases.yoy_base') }} as yoy_pct,
    {{ as_measure(ratio('100 * current_month.tonnes', 'nullif(world.tonnes, 0)')) }} as share_of_world_pct,
    {{ as_measure('current_month.ytd_tonnes') }} as ytd_tonnes,
    cast(current_month.rank_in_month as integer) as rank_in_month,
    current_month.period_months,
    bases.mom_basis,
    {{ partner_attribute('iso3', 'current_month.partner_code', 'partner') }} as partner_iso3,
    {{ partner_attribute('name_zh', 'current_month.partner_code', 'partner') }} as partner_name_zh,
    {{ as_measure('current_month.value_cny') }} as value_cny,
    current_month.value_usd is not null as value_usd_complete,
    coalesce(current_month.value_usd_derived, false) as value_usd_derived
from ranked as current_month
{{ period_comparison_joins('series', 'current_month', ['product_group', 'partner_code']) }}
left join series as world
    on world.product_group = current_month.product_group
    and world.partner_code = 'WORLD'
    and world.month = current_month.month
left join {{ ref('dim_partner') }} as partner on partner.partner_code = current_month.partner_code
