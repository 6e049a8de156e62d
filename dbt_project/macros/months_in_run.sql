{#- The filter an incremental model applies to its input: only the months of this run, when the run
    names them (Dagster passes its partition range); every month on a full refresh or without vars. -#}
{% macro months_in_run(column) -%}
    {%- if is_incremental() and var('month_start') is not none -%}
        {{ column }} between cast('{{ var("month_start") }}' as date) and cast('{{ var("month_end", var("month_start")) }}' as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
