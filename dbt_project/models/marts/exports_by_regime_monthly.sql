{{ config(materialized='incremental', on_schema_change='append_new_columns', **monthly_incremental()) }}
-- Exports per month x product group x partner (and WORLD) x customs regime ('unspecified' for lines from files
-- without the column), with MoM, YoY and the regime's share: macro exports_split_mart.
{{ exports_split_mart('regime', 'dim_regime') }}
