{{ config(materialized='incremental', on_schema_change='append_new_columns', **monthly_incremental()) }}
-- Per month, flow, rare-earth product group and partner whose figures a later file replaced: the value
-- as first loaded and as now (the current vintage), the change, and the files and release labels of
-- both. Every vintage stays in the raw layer; this shows what each revision changed.
with lines as (
    -- Every vintage of a month but those held back (a held month never reached the marts).
    select l.flow, l.month, l.hs_code, l.partner_code, l.vintage, l.quantity, l.unit, l.source_file
    from {{ ref('stg_customs__trade_lines') }} as l
    where l.period_kind = 'month' and not l.is_held and {{ months_in_run('l.month') }}
),

vintages as (
    -- Per commodity line of a month: the first vintage that covered it, and the current one.
    select flow, month, hs_code, min(vintage) as first_vintage, max(vintage) as current_vintage
    from lines group by all
),

by_vintage as (
    select
        l.flow, l.month, p.product_group, l.partner_code, v.first_vintage, v.current_vintage,
        sum(l.quantity) filter (where l.vintage = v.first_vintage) as first_kg,
        sum(l.quantity) filter (where l.vintage = v.current_vintage) as current_kg
    from lines as l
    join vintages as v using (flow, month, hs_code)
    join {{ ref('dim_product_codes') }} as p on p.hs_code = l.hs_code
    where p.product_group <> 'other'
      and {{ is_kilogram('l.unit', 'p.unit_en') }}
    group by all
),

series as (
    select
        flow, month, product_group, partner_code,
        min(first_vintage) as first_vintage,
        max(current_vintage) as current_vintage,
        coalesce(sum(first_kg), 0) as first_kg,
        coalesce(sum(current_kg), 0) as current_kg
    from by_vintage
    group by all
    having bool_or(first_vintage <> current_vintage)
)

select
    s.month,
    s.flow,
    s.product_group,
    s.partner_code,
    partner.name_en as partner_name_en,
    {{ tonnes_from_kg('s.first_kg') }} as first_tonnes,
    {{ tonnes_from_kg('s.current_kg') }} as current_tonnes,
    {{ tonnes_from_kg('s.current_kg - s.first_kg') }} as change_tonnes,
    {{ as_measure(ratio('100 * (s.current_kg - s.first_kg)', 'nullif(s.first_kg, 0)')) }} as change_pct,
    s.first_vintage,
    first_file.file_name as first_file,
    first_file.release_label as first_release,
    s.current_vintage,
    current_file.file_name as current_file,
    current_file.release_label as current_release,
    partner.iso3 as partner_iso3,
    partner.name_zh as partner_name_zh
from series as s
left join {{ ref('dim_partner') }} as partner on partner.partner_code = s.partner_code
left join {{ source('audit', 'files') }} as first_file on first_file.vintage = s.first_vintage
left join {{ source('audit', 'files') }} as current_file on current_file.vintage = s.current_vintage
