{#- The filter an incremental model applies to its input: only the months of this run, when the run
    names them (Dagster passes its partition range); every month on a full refresh or without vars. -#}
{% macro months_in_run(column) -%}
    {%- if is_incremental() and var('month_start') is not none -%}
        {{ column }} between cast('{{ var("month_start") }}' as date) and cast('{{ var("month_end", var("month_start")) }}' as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- For a data test's `where` config: test only the months this run rebuilt (every month when the
    run names none), so a monthly build's tests do not grow with the history. -#}
{% macro months_of_this_run(column='month') -%}
    {%- if var('month_start') is not none -%}
        {{ column }} between cast('{{ var("month_start") }}' as date) and cast('{{ var("month_end", var("month_start")) }}' as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
