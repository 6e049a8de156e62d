{{ config(severity='warn', store_failures=true, schema='audit') }}
-- Partner codes the customs lines use but the GACC list lacks: kept with an 'unknown' row in
-- dim_partner; the failing rows name them.
select partner_code, name_en
from {{ ref('dim_partner') }}
where not is_known
