{{ config(materialized='view') }}
-- The current vintage: a later file replaces an earlier one per (flow, month, hs_code), so a revision
-- of the magnet lines leaves the month's other codes as they were (the same rule as the raw layer's
-- current_customs_lines view, which the loader needs inside its own transaction).
select *
from {{ ref('stg_customs__trade_lines') }}
qualify vintage = max(vintage) over (partition by flow, month, hs_code)
