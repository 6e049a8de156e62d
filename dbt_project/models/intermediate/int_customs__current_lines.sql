{{ config(materialized='view') }}
-- The current vintage: a later file replaces an earlier one per (flow, month, hs_code), so a revision
-- of the magnet lines leaves the month's other codes as they were. Year-to-date files are vintages of
-- their own kind (int_customs__monthly_from_ytd derives months from them). A month of a file held back by a
-- blocking check is skipped, so that month keeps its earlier (published) vintage. The same rule as the
-- raw layer's current_customs_lines view, which the loader and the checks need outside dbt.
select lines.*
from {{ ref('stg_customs__trade_lines') }} as lines
where not exists (
    select 1
    from {{ source('audit', 'held_months') }} as held
    where held.vintage = lines.vintage and held.flow = lines.flow and held.month = lines.month
)
qualify lines.vintage = max(lines.vintage) over (partition by lines.flow, lines.month, lines.hs_code, lines.period_kind)
