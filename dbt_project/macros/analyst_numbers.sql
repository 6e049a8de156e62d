{#- The analysts' numeric convention (contract §4): tonnes, US dollars, renminbi and percentages leave the marts
    as DOUBLE, so that pandas arithmetic on the Parquet exports and round(x, 1) work without casts. Kilograms and
    money are summed exactly (DECIMAL) inside the project; a mart converts its final columns only. Rounding for
    display happens in the report and the headline sentence, never in a mart. -#}
{% macro as_measure(expression) -%}
    cast({{ expression }} as double)
{%- endmacro %}

{#- Metric tonnes from exact kilograms: the product is exact, so the DOUBLE is the nearest to the true value
    (10992.294, never 10992.294000000001). -#}
{% macro tonnes_from_kg(kilograms) -%}
    {{ as_measure('(' ~ kilograms ~ ') * 0.001') }}
{%- endmacro %}

{#- A sum that is never silently partial: NULL unless every row carries a value. -#}
{% macro complete_sum(expression) -%}
    case when count(*) = count({{ expression }}) then sum({{ expression }}) end
{%- endmacro %}
