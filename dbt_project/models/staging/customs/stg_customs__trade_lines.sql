-- One row per raw customs line, every vintage: renamed, typed and trimmed, nothing dropped. The raw
-- layer's view flags each line held back (is_held) and of the current vintage (is_current): the one home
-- of those rules, which the loader and the checks need before dbt runs; every model filters on the flags.
select
    flow,
    month,
    cast(period_months as integer) as period_months,
    trim(hs_code) as hs_code,
    nullif(trim(commodity_name), '') as commodity_name,
    coalesce(nullif(trim(partner_code), ''), 'n/a') as partner_code,
    nullif(trim(partner_name), '') as partner_name,
    nullif(trim(regime_code), '') as regime_code,
    nullif(trim(province_code), '') as province_code,
    quantity_kg as quantity,
    nullif(trim(unit), '') as unit,
    quantity_2,
    nullif(trim(unit_2), '') as unit_2,
    value_usd,
    value_cny,
    source_file,
    source_sha256,
    row_number as source_row_number,
    vintage,
    loaded_at,
    coalesce(period_kind, 'month') as period_kind,
    is_held,
    is_current
from {{ source('raw', 'flagged_customs_lines') }}
