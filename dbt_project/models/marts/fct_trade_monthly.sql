{{ config(materialized='incremental', on_schema_change='append_new_columns', **monthly_incremental()) }}
-- One row per month x flow x commodity x partner, current vintage, with its product group. Kilograms stay exact
-- (DECIMAL); tonnes and values are the analysts' DOUBLE.
select
    lines.month,
    cast(lines.period_months as integer) as period_months,
    lines.flow,
    lines.hs_code,
    product.product_group,
    lines.partner_code,
    partner.name_en as partner_name_en,
    partner.iso3 as partner_iso3,
    lines.quantity_kg,
    {{ tonnes_from_kg('lines.quantity_kg') }} as tonnes,
    {{ as_measure('lines.value_usd') }} as value_usd,
    {{ as_measure('lines.value_cny') }} as value_cny,
    lines.vintage,
    lines.source_file,
    lines.non_kilogram_lines,
    partner.name_zh as partner_name_zh,
    lines.value_usd is not null as value_usd_complete,
    lines.value_usd_derived,
    lines.derivation
from {{ ref('int_trade__monthly_lines') }} as lines
inner join {{ ref('dim_product') }} as product on product.hs_code = lines.hs_code
inner join {{ ref('dim_partner') }} as partner on partner.partner_code = lines.partner_code
where {{ months_in_run('lines.month') }}
