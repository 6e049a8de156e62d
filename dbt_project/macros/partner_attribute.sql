{#- A partner's `attribute` (name_en, name_zh or iso3 of dim_partner, joined as `partner` on `partner_code`) as
    every mart with a partner carries it (partner_name_en, partner_name_zh, partner_iso3: contract §4). 'WORLD',
    the total over all partners, is no row of dim_partner: it has names and no ISO code. -#}
{% macro partner_attribute(attribute, partner_code, partner) -%}
    {%- set world = {'name_en': 'World', 'name_zh': '世界', 'iso3': none}[attribute] -%}
    {%- if world is none -%}
        {{ partner }}.{{ attribute }}
    {%- else -%}
        case when {{ partner_code }} = 'WORLD' then '{{ world }}' else {{ partner }}.{{ attribute }} end
    {%- endif -%}
{%- endmacro %}
