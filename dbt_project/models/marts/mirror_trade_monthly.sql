-- The mirror check: what China reports exporting to a partner beside what that partner reports importing from China,
-- per month x product group x partner (the reporter of the partner-reported data). One flow pair: China's exports
-- (FOB) against the partner's imports (CIF). Compared at the partner's codes (var mirror_hs_codes): HS 8505.11
-- against China's 85051110, 2805.30 and 2846 against the metals and compounds groups. Only partners that reported
-- something are shown, every month either side has. Goods take weeks at sea, so the partner's figure one period
-- later sits beside China's (partner_reported_tonnes_next_month). A January–February combined release of China's
-- compares with the partner's January and February together.
with partner_months as (
    select * from {{ ref('int_partner__imports_from_china_monthly') }}
),

-- The GACC partner code of each ISO country (the lowest, should the code list give one country two codes).
gacc_code as (
    select iso3 as partner_iso3, min(partner_code) as partner_code
    from {{ ref('dim_partner') }}
    where iso3 is not null
    group by iso3
),

china as (
    select
        exports.month,
        exports.product_group,
        partner.iso3 as partner_iso3,
        sum(exports.tonnes) as tonnes,
        {{ complete_sum('exports.value_usd') }} as value_usd,
        bool_or(exports.value_usd_derived) as value_usd_derived,
        max(coalesce(exports.period_months, 1)) as period_months
    from {{ ref('int_exports__group_partner_monthly') }} as exports
    join {{ ref('dim_partner') }} as partner on partner.partner_code = exports.partner_code
    where exports.product_group in ('{{ var("mirror_hs_codes").keys() | join("', '") }}')
        and partner.iso3 in (select partner_iso3 from partner_months)
    group by 1, 2, 3
),

-- The months China's exports are loaded for (a January-February combined release under January).
china_months as (
    select distinct month from {{ ref('int_exports__group_partner_monthly') }}
),

-- Each partner month under the period of China's it belongs to: February joins a combined January-February.
partner as (
    select
        coalesce(combined.month, partner_months.month) as month,
        partner_months.product_group,
        partner_months.partner_iso3,
        sum(partner_months.net_kg) as net_kg,
        {{ complete_sum('partner_months.value_usd') }} as value_usd,
        bool_or(partner_months.is_weight_estimated) as is_weight_estimated,
        max(partner_months.vintage) as vintage,
        max(partner_months.source_file) as source_file
    from partner_months
    left join china as combined
        on combined.period_months = 2
        and combined.product_group = partner_months.product_group
        and combined.partner_iso3 = partner_months.partner_iso3
        and combined.month = {{ add_months_to('partner_months.month', -1) }}
    group by 1, 2, 3
),

periods as (
    select month, product_group, partner_iso3 from china
    union
    select month, product_group, partner_iso3 from partner
),

compared as (
    select
        periods.month,
        periods.product_group,
        periods.partner_iso3,
        coalesce(china.period_months, 1) as period_months,
        -- None to this partner in a month China's exports are loaded for is 0 t, not unknown.
        case when china.month is not null then china.tonnes when loaded.month is not null then 0 end as china_tonnes,
        case when china.month is not null then china.value_usd when loaded.month is not null then 0 end
            as china_value_usd,
        china.value_usd_derived,
        cast(partner.net_kg * 0.001 as decimal(20, 6)) as partner_tonnes,
        partner.value_usd as partner_value_usd,
        cast(next_period.net_kg * 0.001 as decimal(20, 6)) as partner_tonnes_next_month,
        partner.is_weight_estimated,
        partner.vintage as partner_vintage,
        partner.source_file as partner_source_file
    from periods
    left join china
        on china.month = periods.month
        and china.product_group = periods.product_group
        and china.partner_iso3 = periods.partner_iso3
    left join china_months as loaded on loaded.month = periods.month
    left join partner
        on partner.month = periods.month
        and partner.product_group = periods.product_group
        and partner.partner_iso3 = periods.partner_iso3
    left join partner as next_period
        on next_period.product_group = periods.product_group
        and next_period.partner_iso3 = periods.partner_iso3
        and next_period.month = {{ add_months_to('periods.month', 'coalesce(china.period_months, 1)') }}
)

select
    compared.month,
    compared.product_group,
    compared.partner_iso3,
    gacc_code.partner_code,
    partner.name_en as partner_name_en,
    partner.name_zh as partner_name_zh,
    '{{ var("mirror_partner_flow_code") }}' as partner_flow_code,
    {{ mirror_code_of('compared.product_group') }} as mirror_hs_code,
    compared.period_months,
    {{ as_measure('compared.china_tonnes') }} as china_reported_tonnes,
    {{ as_measure('compared.china_value_usd') }} as china_reported_value_usd,
    {{ as_measure('compared.partner_tonnes') }} as partner_reported_tonnes,
    {{ as_measure('compared.partner_value_usd') }} as partner_reported_value_usd,
    {{ as_measure('compared.partner_tonnes_next_month') }} as partner_reported_tonnes_next_month,
    {{ gap_pct('compared.partner_tonnes', 'compared.china_tonnes') }} as tonnes_gap_pct,
    {{ gap_pct('compared.partner_value_usd', 'compared.china_value_usd') }} as value_gap_pct,
    {{ gap_pct('compared.partner_tonnes_next_month', 'compared.china_tonnes') }} as tonnes_gap_next_month_pct,
    compared.is_weight_estimated as partner_is_net_wgt_estimated,
    coalesce(compared.value_usd_derived, false) as china_value_usd_derived,
    compared.partner_vintage,
    compared.partner_source_file
from compared
left join gacc_code on gacc_code.partner_iso3 = compared.partner_iso3
left join {{ ref('dim_partner') }} as partner on partner.partner_code = gacc_code.partner_code
