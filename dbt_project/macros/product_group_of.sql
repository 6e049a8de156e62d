{#- The contract's product groups by code, for codes the 2023 list lacks (the seed carries the same
    groups for every listed code). -#}
{% macro product_group_of(hs_code) -%}
    case
        when {{ hs_code }} = '85051110' then 'magnets'
        when {{ hs_code }} like '280530%' then 'metals'
        when {{ hs_code }} like '2846%' then 'compounds'
        when {{ hs_code }} = '72029991' then 'ferroalloys'
        else 'other'
    end
{%- endmacro %}
