{#- The rules of summing customs lines, one macro each, for every model that sums them (int_trade__monthly_lines
    over regimes and provinces, int_exports__split_partner_monthly by province and by regime). -#}

{#- The current lines of monthly files (not year-to-date) of the run's months, each with `is_kilogram` (macro
    is_kilogram, the code's first unit from dim_product_codes). -#}
{% macro current_monthly_file_lines() -%}
    select
        l.*,
        {{ is_kilogram('l.unit', 'p.unit_en') }} as is_kilogram
    from {{ ref('stg_customs__trade_lines') }} as l
    left join {{ ref('dim_product_codes') }} as p on p.hs_code = l.hs_code
    where l.is_current and l.period_kind is distinct from 'ytd' and {{ months_in_run('l.month') }}
{%- endmacro %}

{#- The kilograms of a group of lines, exactly: only kilogram lines are summed (0 when none is). -#}
{% macro kilograms_of_lines() -%}
    cast(coalesce(sum(quantity) filter (where is_kilogram), 0) as decimal(18, 3))
{%- endmacro %}

{#- A month's exchange rate as its own customs figures imply it (US dollars per renminbi): over every row of
    `relation` (month, value_usd, value_cny as reported, either flow) that carries both currencies. A month without
    such rows has none, and its renminbi-only values stay without US dollars. -#}
{% macro usd_per_cny_by_month(relation) -%}
    select month, {{ ratio('sum(value_usd)', 'sum(value_cny)') }} as rate
    from {{ relation }}
    where value_usd is not null and value_cny is not null and value_cny <> 0
    group by month
    having sum(value_cny) <> 0
{%- endmacro %}

{#- US dollars as reported, or converted from renminbi at the month's implied `rate`; and whether they were. -#}
{% macro usd_or_converted(usd, cny, rate) -%}
    cast(coalesce({{ usd }}, {{ cny }} * {{ rate }}) as decimal(18, 3))
{%- endmacro %}

{% macro usd_was_converted(usd, cny, rate) -%}
    {{ usd }} is null and {{ cny }} is not null and {{ rate }} is not null
{%- endmacro %}
