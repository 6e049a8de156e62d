{#- The sources on an engine other than DuckDB: the raw layer and the audit trail as Parquet files under var
    lake_path (hive layout, partitioned by month where a table has months), registered as external tables before
    the run (on-run-start). DuckDB's build database holds them itself, so nothing happens there. -#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'rare_earth')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- set lake = var('lake_path') or env_var('WAREHOUSE_DIR', '../warehouse') ~ '/lake' -%}
    {%- for schema_name, table_name, partitioned in [
        ('raw', 'flagged_customs_lines', true), ('raw', 'flagged_partner_lines', false),
        ('audit', 'files', false)] -%}
        {% do run_query('create database if not exists ' ~ schema_name) %}
        {#- Dropped first: `create table if not exists` would keep the location of an earlier attempt. External,
            so dropping leaves the files. -#}
        {% do run_query('drop table if exists ' ~ schema_name ~ '.' ~ table_name) %}
        {% do run_query('create table ' ~ schema_name ~ '.' ~ table_name ~ ' using parquet location '
                        ~ "'" ~ lake ~ '/' ~ schema_name ~ '/' ~ table_name ~ "'") %}
        {%- if partitioned -%}
            {#- A partitioned table reads no rows, and no error, until its partitions are registered. -#}
            {% do run_query('msck repair table ' ~ schema_name ~ '.' ~ table_name) %}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
