{#- The months a run rebuilds. Dagster's dbt step writes them into the one-row table control.build_months (a
    control table of the build database, created with it by orchestration/build_database.py, so not a source) before
    it runs dbt (and empties it after), so that the months never change what dbt parses and its partial parsing
    holds from run to run. `--vars '{month_start: ..., month_end: ...}'` still wins when given (tests, by hand).
    An empty table means every month. -#}
{% macro run_months_bounds() -%}
    {%- if var('month_start') is not none -%}
        cast('{{ var("month_start") }}' as date) and cast('{{ var("month_end", var("month_start")) }}' as date)
    {%- else -%}
        {{ run_months_from_control() }}
    {%- endif -%}
{%- endmacro %}

{#- The control table is the DuckDB build database's; another engine (the `spark` target) has none yet, and
    builds the months given by --vars, or every month. -#}
{% macro run_months_from_control() -%}
    {{ return(adapter.dispatch('run_months_from_control', 'rare_earth')()) }}
{%- endmacro %}

{% macro default__run_months_from_control() -%}
    date '0001-01-01' and date '9999-12-31'
{%- endmacro %}

{% macro duckdb__run_months_from_control() -%}
    coalesce((select min(first_month) from control.build_months), date '0001-01-01')
        and coalesce((select max(last_month) from control.build_months), date '9999-12-31')
{%- endmacro %}

{#- The filter an incremental model applies to its input: only the months of this run; every month on a full
    refresh. -#}
{% macro months_in_run(column) -%}
    {%- if is_incremental() -%}
        {{ column }} between {{ run_months_bounds() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- For a data test's `where` config: test only the months this run rebuilt, so a monthly build's tests do not
    grow with the history. -#}
{% macro months_of_this_run(column='month') -%}
    {{ column }} between {{ run_months_bounds() }}
{%- endmacro %}

{#- The filter of an incremental mart whose rows compare with earlier months: the run's months and the
    `months_after` months after each, whose comparisons read them; every month on a full refresh. -#}
{% macro months_in_run_or_after(column, months_after) -%}
    {%- if is_incremental() -%}
        (
        {%- for months in range(months_after + 1) %}
            {{ add_months_to(column, -months) }} between {{ run_months_bounds() }}{{ ' or' if not loop.last }}
        {%- endfor %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
