{{ config(materialized='incremental', **monthly_incremental()) }}
-- The partner and commodity codes each month's lines use: the dimensions add 'unknown' rows from
-- this small table, so their cost does not grow with the raw history.
select distinct month, 'partner' as code_type, partner_code as code
from {{ ref('stg_customs__trade_lines') }}
where {{ months_in_run('month') }}
union
select distinct month, 'commodity', hs_code
from {{ ref('stg_customs__trade_lines') }}
where {{ months_in_run('month') }}
