{#- The product group a partner-reported commodity code stands for in the mirror (var mirror_hs_codes: 850511 for
    magnets, 280530 for metals, 2846 for compounds); NULL for any other code. -#}
{% macro mirror_group_of(cmd_code) -%}
    case
    {%- for group, code in var('mirror_hs_codes').items() %}
        when {{ cmd_code }} = '{{ code }}' then '{{ group }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- The partner-reported commodity code a product group is compared at (var mirror_hs_codes). -#}
{% macro mirror_code_of(product_group) -%}
    case
    {%- for group, code in var('mirror_hs_codes').items() %}
        when {{ product_group }} = '{{ group }}' then '{{ code }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- How far the partner's figure is from China's, in percent of China's (+8.0: the partner reports 8 % more); NULL
    when either is missing or China's is zero. -#}
{% macro gap_pct(partner_figure, china_figure) -%}
    {{ as_measure('100 * (' ~ ratio(partner_figure, 'nullif(' ~ china_figure ~ ', 0)') ~ ' - 1)') }}
{%- endmacro %}
