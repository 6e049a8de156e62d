{{ config(severity='warn', store_failures=true, schema='audit') }}
-- Commodity codes the customs lines use but the 2023 list lacks: kept with an 'unknown' row in
-- dim_product (grouped by their code prefix); the failing rows name them.
select hs_code, product_group
from {{ ref('dim_product') }}
where not is_known
