{{ config(severity='warn', store_failures=true, schema='audit') }}
-- Customs lines in a unit other than kilograms never enter a tonnes sum; this counts them (for the
-- months of the run).
select month, flow, hs_code, partner_code, non_kilogram_lines
from {{ ref('fct_trade_monthly') }}
where non_kilogram_lines > 0 and {{ months_of_this_run('month') }}
