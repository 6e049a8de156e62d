{#- A run rewrites its months and the 12 after them, whose MoM and YoY read them (meta says so to tests/spark). -#}
{%- set months_after = 12 -%}
{{ config(
    materialized='incremental', on_schema_change='append_new_columns', meta={'rewrites_months_after': months_after},
    **monthly_incremental()
) }}
-- Exports per month x product group x partner (and WORLD) x customs regime ('unspecified' for lines from files
-- without the column), with MoM, YoY and the regime's share: macro exports_split_mart.
{{ exports_split_mart('regime', 'dim_regime', months_after) }}
