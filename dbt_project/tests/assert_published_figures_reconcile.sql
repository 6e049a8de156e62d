{{ config(severity='warn', store_failures=true, schema='audit') }}
-- Published figures the warehouse does not reproduce (beyond the rounding of the published number): the
-- failing rows name the period, flow, series and partner, with both values.
select period, flow, series, partner_code, published_tonnes, warehouse_tonnes, difference_tonnes
from {{ ref('published_reconciliation') }}
-- A figure whose months are not loaded (tonnes_agree NULL) is no disagreement.
where not tonnes_agree
