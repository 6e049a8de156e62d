{#- The product group of a commodity code by its prefix (var product_group_hs_prefixes), for codes the
    2023 list lacks (the seed carries the same groups for every listed code). -#}
{% macro product_group_of(hs_code) -%}
    case
    {%- for group, prefix in var('product_group_hs_prefixes').items() %}
        when {{ hs_code }} like '{{ prefix }}%' then '{{ group }}'
    {%- endfor %}
        else 'other'
    end
{%- endmacro %}
