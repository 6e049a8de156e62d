{{ config(materialized='incremental', on_schema_change='append_new_columns', **monthly_incremental()) }}
-- Exports per month x product group x partner (and WORLD) x province of the trading firm ('unspecified' for lines
-- from files without the column), with MoM, YoY and the province's share: macro exports_split_mart.
{{ exports_split_mart('province', 'dim_province') }}
