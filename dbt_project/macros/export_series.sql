{#- The rules the export marts share, one macro each: the exports of a month in product groups and roll-ups, the
    month-on-month and year-on-year bases of a monthly series, and the dimensions of a code list. -#}

{#- CTEs (to follow `with <exports> as (...),`) and the final select of the export groups: every rare-earth group of
    the relation `exports` (columns month, product_group, partner_code, the `keys`, quantity_kg, value_usd,
    value_cny, value_usd_derived, period_months), customs' "rare earths" line (var rare_earths_headline_groups) and
    all_rare_earth, per partner and for WORLD, summed exactly (tonnes DECIMAL(18,6)); a value is NULL unless every
    row carries it. `keys` split each figure further (a province, a regime): a WORLD row sums its key's partners. -#}
{% macro export_groups_by_partner(exports, keys=[]) -%}
    {%- set key_list = keys | join(', ') ~ (', ' if keys else '') -%}
    {%- set key_group = (', ' ~ keys | join(', ')) if keys else '' -%}
by_group as (
    select month, product_group, partner_code, {{ key_list }}quantity_kg, value_usd, value_cny, value_usd_derived, period_months
    from {{ exports }}
    union all
    select month, 'rare_earths_headline', partner_code, {{ key_list }}quantity_kg, value_usd, value_cny, value_usd_derived, period_months
    from {{ exports }} where product_group in ('{{ var("rare_earths_headline_groups") | join("', '") }}')
    union all
    select month, 'all_rare_earth', partner_code, {{ key_list }}quantity_kg, value_usd, value_cny, value_usd_derived, period_months
    from {{ exports }}
),

by_partner as (
    select
        month,
        product_group,
        partner_code,
        {{ key_list }}cast(sum(quantity_kg) * 0.001 as decimal(18, 6)) as tonnes,
        cast({{ complete_sum('value_usd') }} as decimal(18, 3)) as value_usd,
        -- 2 for a January–February combined release (month = January).
        cast(max(period_months) as integer) as period_months,
        cast({{ complete_sum('value_cny') }} as decimal(18, 3)) as value_cny,
        bool_or(value_usd_derived) as value_usd_derived
    from by_group
    group by month, product_group, partner_code{{ key_group }}
)

select * from by_partner
union all
select
    month, product_group, 'WORLD', {{ key_list }}cast(sum(tonnes) as decimal(18, 6)),
    cast({{ complete_sum('value_usd') }} as decimal(18, 3)), cast(max(period_months) as integer),
    cast({{ complete_sum('value_cny') }} as decimal(18, 3)), bool_or(value_usd_derived)
from by_partner
group by month, product_group{{ key_group }}
{%- endmacro %}

{#- The joins that give each row of a monthly series (relation or CTE `series`: month, tonnes, period_months and
    the `keys`; the row aliased `current`) its comparison bases, as `bases.mom_base`, `bases.mom_basis` and
    `bases.yoy_base`: against the true calendar month before and year before (a missing month gives NULL, never the
    month before it). A January–February combined release (period_months = 2) is one period: March's MoM compares
    with its monthly average (mom_basis says so), its own MoM is NULL, and YoY compares like with like. -#}
{% macro period_comparison_joins(series, current, keys) -%}
left join {{ series }} as previous_month
    on previous_month.month = cast({{ current }}.month - interval 1 month as date){{ same_keys('previous_month', current, keys) }}
left join {{ series }} as previous_year
    on previous_year.month = cast({{ current }}.month - interval 12 month as date){{ same_keys('previous_year', current, keys) }}
left join {{ series }} as previous_february
    on {{ current }}.period_months = 2
    and previous_february.month = cast({{ current }}.month - interval 11 month as date){{ same_keys('previous_february', current, keys) }}
left join {{ series }} as january_february
    on month({{ current }}.month) = 3
    and january_february.month = cast({{ current }}.month - interval 2 month as date)
    and january_february.period_months = 2{{ same_keys('january_february', current, keys) }}
cross join lateral (
    select
        case
            when {{ current }}.period_months = 2 then null
            when previous_month.period_months = 1 then previous_month.tonnes
            when january_february.tonnes is not null then {{ ratio('january_february.tonnes', '2') }}
        end as mom_base,
        case
            when {{ current }}.period_months = 2 then null
            when previous_month.period_months = 1 then 'previous month'
            when january_february.tonnes is not null then 'January–February monthly average'
        end as mom_basis,
        -- Like with like: a month with that month, a Jan–Feb period with Jan–Feb (combined or summed).
        case
            when {{ current }}.period_months = previous_year.period_months then previous_year.tonnes
            when {{ current }}.period_months = 2 and previous_year.period_months = 1
                and previous_february.period_months = 1 then previous_year.tonnes + previous_february.tonnes
        end as yoy_base
) as bases
{%- endmacro %}

{#- `and <alias>.<key> = <current>.<key>` for every key: the same series in another row. -#}
{% macro same_keys(alias, current, keys) -%}
    {%- for key in keys %}
    and {{ alias }}.{{ key }} = {{ current }}.{{ key }}
    {%- endfor -%}
{%- endmacro %}

{#- Percent change of `tonnes` against a base; NULL when the base is missing or zero. -#}
{% macro pct_change(tonnes, base) -%}
    {{ as_measure('100 * (' ~ ratio(tonnes, 'nullif(' ~ base ~ ', 0)') ~ ' - 1)') }}
{%- endmacro %}

{#- A code list's dimension (its seed `seed`: the code column `code`, name_zh, name_en), as analysts read it. -#}
{% macro code_dimension(seed, code) -%}
select
    cast({{ code }} as string) as {{ code }},
    cast(name_zh as string) as name_zh,
    cast(name_en as string) as name_en
from {{ ref(seed) }}
{%- endmacro %}

{#- A mart of exports split by `split_by` ('province' or 'regime': int_exports__split_partner_monthly) with the names
    of the dimension `dimension` (a code absent from it keeps its row, names NULL): per month x product group x
    partner (and WORLD) x code, tonnes and values, MoM and YoY of the same code (macro period_comparison_joins), and
    the code's share of the month x group x partner total. Incremental: a run rewrites its months and the
    `months_after` after them, whose comparisons read them. -#}
{% macro exports_split_mart(split_by, dimension, months_after=12) -%}
    {%- set code = split_by ~ '_code' -%}
with series as (
    select
        month, product_group, partner_code, split_code, tonnes, value_usd, value_cny,
        coalesce(period_months, 1) as period_months,
        sum(tonnes) over (partition by month, product_group, partner_code) as total_tonnes
    from {{ ref('int_exports__split_partner_monthly') }}
    where split_by = '{{ split_by }}'
)

select
    current_month.month,
    current_month.product_group,
    current_month.partner_code,
    {{ partner_attribute('iso3', 'current_month.partner_code', 'partner') }} as partner_iso3,
    {{ partner_attribute('name_en', 'current_month.partner_code', 'partner') }} as partner_name_en,
    {{ partner_attribute('name_zh', 'current_month.partner_code', 'partner') }} as partner_name_zh,
    current_month.split_code as {{ code }},
    split_names.name_zh as {{ split_by }}_name_zh,
    split_names.name_en as {{ split_by }}_name_en,
    {{ as_measure('current_month.tonnes') }} as tonnes,
    {{ as_measure('current_month.value_usd') }} as value_usd,
    {{ as_measure('current_month.value_cny') }} as value_cny,
    current_month.value_usd is not null as value_usd_complete,
    {{ as_measure('bases.mom_base') }} as tonnes_prev_month,
    {{ pct_change('current_month.tonnes', 'bases.mom_base') }} as mom_pct,
    {{ as_measure('bases.yoy_base') }} as tonnes_prev_year,
    {{ pct_change('current_month.tonnes', 'bases.yoy_base') }} as yoy_pct,
    {{ as_measure(ratio('100 * current_month.tonnes', 'nullif(current_month.total_tonnes, 0)')) }} as share_pct
from series as current_month
{{ period_comparison_joins('series', 'current_month', ['product_group', 'partner_code', 'split_code']) }}
left join {{ ref('dim_partner') }} as partner on partner.partner_code = current_month.partner_code
left join {{ ref(dimension) }} as split_names on split_names.{{ code }} = current_month.split_code
where {{ months_in_run_or_after('current_month.month', months_after) }}
{%- endmacro %}
