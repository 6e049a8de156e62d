{#- The few constructs DuckDB and Spark spell differently, one dispatch macro each (the `duckdb__` body is what the
    models wrote before, so the DuckDB build does not change). Everything else in the project is SQL both engines
    read alike; tests/dbt/test_portable_sql.py rejects the DuckDB-only spellings these macros replace. -#}

{#- The distinct values of a text column, sorted and joined: the source files of a summed line. -#}
{% macro sorted_distinct_list(expression, separator) -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'rare_earth')(expression, separator)) }}
{%- endmacro %}

{% macro default__sorted_distinct_list(expression, separator) -%}
    listagg(distinct {{ expression }}, '{{ separator }}') within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__sorted_distinct_list(expression, separator) -%}
    string_agg(distinct {{ expression }}, '{{ separator }}' order by {{ expression }})
{%- endmacro %}

{% macro spark__sorted_distinct_list(expression, separator) -%}
    array_join(array_sort(collect_set({{ expression }})), '{{ separator }}')
{%- endmacro %}

{#- A date `months` calendar months later (earlier when negative), as a DATE. -#}
{% macro add_months_to(date_expression, months) -%}
    {{ return(adapter.dispatch('add_months_to', 'rare_earth')(date_expression, months)) }}
{%- endmacro %}

{% macro default__add_months_to(date_expression, months) -%}
    cast({{ date_expression }} + to_months({{ months }}) as date)
{%- endmacro %}

{% macro spark__add_months_to(date_expression, months) -%}
    add_months({{ date_expression }}, {{ months }})
{%- endmacro %}

{#- A number as text with `decimals` decimals, rounded, with thousands separators when `grouped` ('1,234'): the
    headline sentence's figures. Spark formats with Java's Formatter, which rounds half up from the shortest decimal
    of the double, DuckDB with {fmt}, from its exact binary value: the two differ only on an exact tie such as 0.15. -#}
{% macro number_text(expression, decimals, grouped=false) -%}
    {{ return(adapter.dispatch('number_text', 'rare_earth')(expression, decimals, grouped)) }}
{%- endmacro %}

{% macro default__number_text(expression, decimals, grouped=false) -%}
    format('{:{{ "," if grouped }}.{{ decimals }}f}', cast({{ expression }} as double))
{%- endmacro %}

{% macro spark__number_text(expression, decimals, grouped=false) -%}
    format_string('%{{ "," if grouped }}.{{ decimals }}f', cast({{ expression }} as double))
{%- endmacro %}

{#- A quotient of exact numbers, in DOUBLE: DuckDB divides DECIMALs in DOUBLE anyway, Spark in a DECIMAL of bounded
    scale (off from the 13th digit), so the operands are made DOUBLE first and both engines agree. -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / cast({{ denominator }} as double)
{%- endmacro %}

{#- An incremental model that rewrites whole months: DuckDB deletes the run's months and inserts them again; Spark
    has no delete+insert, and overwrites the month partitions the run produced (its tables are partitioned by
    month, so the partition column comes last in them). Config, so chosen by target.type at parse time. -#}
{% macro monthly_incremental() -%}
    {%- if target.type == 'spark' -%}
        {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': ['month']}) }}
    {%- else -%}
        {{ return({'incremental_strategy': 'delete+insert', 'unique_key': 'month'}) }}
    {%- endif -%}
{%- endmacro %}
