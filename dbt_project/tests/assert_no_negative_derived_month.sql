{{ config(severity='warn', store_failures=true, schema='audit') }}
-- A month derived from year-to-date files that comes out negative: a downward revision hidden inside a
-- cumulative. It is kept in the marts (never clipped); the failing rows name it.
select month, flow, hs_code, partner_code, quantity_kg, value_usd, source_file, derivation
from {{ ref('int_customs__monthly_from_ytd') }}
where quantity_kg < 0 or value_usd < 0 or value_cny < 0
