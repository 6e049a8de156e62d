{#- The kilogram rule (var kilogram_units in dbt_project.yml; orchestration/rules.py says the same in Python):
    a line's unit, trimmed and lower-cased, is one of kilogram_units; a line without a unit is in its
    commodity code's first unit (`code_unit`: dim_product_codes.unit_en, NULL for a code the list lacks),
    and in kilograms when neither is known. Only kilogram quantities are summed into tonnes. -#}
{% macro is_kilogram(unit, code_unit) -%}
    coalesce(
        lower(nullif(trim({{ unit }}), '')) in ({{ kilogram_units_sql() }}),
        lower(nullif(trim({{ code_unit }}), '')) in ({{ kilogram_units_sql() }}),
        true
    )
{%- endmacro %}

{#- The var's units as a SQL list of lower-case literals. -#}
{% macro kilogram_units_sql() -%}
    {%- for unit in var('kilogram_units') -%}
        '{{ unit | lower | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
