-- Every GACC trading partner, plus an 'unknown' row for any code the customs lines use that the code
-- list lacks, so that no line is dropped by a join (a warning-level test names such codes).
with seen as (
    select distinct code as partner_code from {{ ref('int_customs__codes_by_month') }} where code_type = 'partner'
)

select
    cast(partner_code as string) as partner_code,
    cast(name_zh as string) as name_zh,
    cast(name_en as string) as name_en,
    cast(nullif(iso3, '') as string) as iso3,
    cast(region as string) as region,
    true as is_known
from {{ ref('dim_partner_codes') }}
union all
select
    seen.partner_code,
    null,
    'Unknown partner ' || seen.partner_code,
    null,
    'Unknown',
    false
from seen
anti join {{ ref('dim_partner_codes') }} as known on known.partner_code = seen.partner_code
