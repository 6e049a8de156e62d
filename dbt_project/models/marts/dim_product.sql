-- Every 8-digit commodity code of the 2023 list with its product group, plus an 'unknown' row for any
-- code the customs lines use that the list lacks (a warning-level test names such codes).
with seen as (
    select distinct code as hs_code from {{ ref('int_customs__codes_by_month') }} where code_type = 'commodity'
)

select
    cast(hs_code as string) as hs_code,
    cast(description_zh as string) as description_zh,
    cast(description_en as string) as description_en,
    cast(unit_en as string) as unit_en,
    cast(product_group as string) as product_group,
    cast(is_rare_earth as boolean) as is_rare_earth,
    true as is_known
from {{ ref('dim_product_codes') }}
union all
select
    seen.hs_code,
    null,
    'Unknown commodity ' || seen.hs_code,
    null,
    {{ product_group_of('seen.hs_code') }},
    {{ product_group_of('seen.hs_code') }} <> 'other',
    false
from seen
anti join {{ ref('dim_product_codes') }} as known on known.hs_code = seen.hs_code
