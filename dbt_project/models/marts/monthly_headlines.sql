-- One row per month: the figures a reader quotes, the trailing-12-month trough of US-bound magnets,
-- and a generated headline sentence. Two totals, never to be mixed up: all_rare_earth is every rare-earth
-- product, magnets included; rare_earths_headline is customs' own "rare earths" line (metals and compounds).
with groups as (
    select * from {{ ref('exports_by_group_monthly') }}
),

months as (
    select distinct month from groups where partner_code = 'WORLD'
),

figures as (
    select
        months.month,
        -- A month with exports but no US-bound magnet line shipped none to the US.
        coalesce(us.tonnes, 0) as us_magnet_tonnes,
        us.mom_pct as us_magnet_mom_pct,
        us.yoy_pct as us_magnet_yoy_pct,
        world_magnets.tonnes as world_magnet_tonnes,
        world_magnets.mom_pct as world_magnet_mom_pct,
        all_rare_earth.tonnes as all_rare_earth_tonnes,
        all_rare_earth.mom_pct as all_rare_earth_mom_pct,
        all_rare_earth.yoy_pct as all_rare_earth_yoy_pct,
        rare_earths_headline.tonnes as rare_earths_headline_tonnes,
        rare_earths_headline.mom_pct as rare_earths_headline_mom_pct,
        rare_earths_headline.yoy_pct as rare_earths_headline_yoy_pct
    from months
    left join groups as us
        on us.month = months.month and us.product_group = 'magnets' and us.partner_code = '{{ var("us_partner_code") }}'
    left join groups as world_magnets
        on world_magnets.month = months.month and world_magnets.product_group = 'magnets'
        and world_magnets.partner_code = 'WORLD'
    left join groups as all_rare_earth
        on all_rare_earth.month = months.month and all_rare_earth.product_group = 'all_rare_earth'
        and all_rare_earth.partner_code = 'WORLD'
    left join groups as rare_earths_headline
        on rare_earths_headline.month = months.month and rare_earths_headline.product_group = 'rare_earths_headline'
        and rare_earths_headline.partner_code = 'WORLD'
),

troughs as (
    -- The lowest month of the trailing twelve, the earliest of equal ones (months without US-bound magnets tie at 0).
    select
        figures.month,
        window_month.us_magnet_tonnes as us_magnet_trough_tonnes,
        window_month.month as us_magnet_trough_month
    from figures
    inner join figures as window_month
        on window_month.month between cast(figures.month - interval 11 month as date) and figures.month
    qualify row_number() over (
        partition by figures.month order by window_month.us_magnet_tonnes, window_month.month
    ) = 1
)

select
    figures.month,
    {{ as_measure('figures.us_magnet_tonnes') }} as us_magnet_tonnes,
    figures.us_magnet_mom_pct,
    figures.us_magnet_yoy_pct,
    figures.world_magnet_tonnes,
    figures.world_magnet_mom_pct,
    figures.all_rare_earth_tonnes,
    figures.all_rare_earth_mom_pct,
    figures.us_magnet_mom_pct < figures.all_rare_earth_mom_pct as magnets_lagging,
    {{ as_measure('troughs.us_magnet_trough_tonnes') }} as us_magnet_trough_tonnes,
    troughs.us_magnet_trough_month,
    {{ headline_sentence(
        'figures.us_magnet_tonnes', 'figures.us_magnet_mom_pct', 'figures.all_rare_earth_mom_pct',
        'figures.rare_earths_headline_mom_pct'
    ) }} as headline,
    -- A later file replaced some of the month's export figures after they were first loaded.
    exists (
        select 1 from {{ ref('revisions') }} as r where r.month = figures.month and r.flow = 'export'
    ) as revised_after_first_publication,
    figures.all_rare_earth_yoy_pct,
    figures.rare_earths_headline_tonnes,
    figures.rare_earths_headline_mom_pct,
    figures.rare_earths_headline_yoy_pct
from figures
inner join troughs on troughs.month = figures.month
