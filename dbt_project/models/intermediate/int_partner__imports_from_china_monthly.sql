-- What each partner reports importing from China, per month x reporter x product group, at the codes the mirror
-- compares (var mirror_hs_codes). Current vintage only. A Comtrade download may also break a total down by second
-- partner, customs procedure, mode of supply or of transport: only the totals (0, C00, 0, 0) are summed, so a
-- breakdown in the same file never counts twice. The weight is the net weight, or the quantity where its unit is
-- the kilogram (var partner_kilogram_unit_code) and no net weight is given.
with lines as (
    select
        month,
        reporter_iso3,
        {{ mirror_group_of('cmd_code') }} as product_group,
        cast(
            coalesce(net_weight_kg, case when qty_unit_code = {{ var('partner_kilogram_unit_code') }} then qty end)
            as decimal(20, 3)
        ) as net_kg,
        cast(coalesce(cif_value_usd, primary_value_usd) as decimal(20, 3)) as value_usd,
        coalesce(is_net_weight_estimated, false) or (net_weight_kg is null and coalesce(is_qty_estimated, false))
            as is_weight_estimated,
        vintage,
        source_file
    from {{ ref('stg_comtrade__partner_lines') }}
    where is_current
        and flow_code = '{{ var("mirror_partner_flow_code") }}'
        and counterpart_iso3 = '{{ var("china_iso3") }}'
        and coalesce(second_partner_code, 0) = 0
        and coalesce(customs_procedure_code, 'C00') = 'C00'
        and coalesce(mode_of_supply_code, '0') = '0'
        and coalesce(mode_of_transport_code, 0) = 0
)

select
    month,
    reporter_iso3 as partner_iso3,
    product_group,
    cast({{ complete_sum('net_kg') }} as decimal(20, 3)) as net_kg,
    cast({{ complete_sum('value_usd') }} as decimal(20, 3)) as value_usd,
    bool_or(is_weight_estimated) as is_weight_estimated,
    max(vintage) as vintage,
    {{ sorted_distinct_list('source_file', ', ') }} as source_file
from lines
where product_group is not null
group by month, reporter_iso3, product_group
