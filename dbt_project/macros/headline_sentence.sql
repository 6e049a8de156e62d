{#- "US-bound rare-earth magnet exports fell 11.3% month on month to 582 t, while all rare-earth exports rose
    18.5%, magnets included (the customs "rare earths" line, metals and compounds, rose 9.9%)": a sentence a
    reader would quote, from four figures of a month. -#}
{% macro change_phrase(pct) -%}
    case
        when {{ pct }} > 0 then 'rose ' || {{ number_text(pct, 1) }} || '%'
        when {{ pct }} < 0 then 'fell ' || {{ number_text('-(' ~ pct ~ ')', 1) }} || '%'
        else 'were unchanged'
    end
{%- endmacro %}

{#- "all rare-earth exports" are every rare-earth product, magnets included (all_rare_earth); customs' own "rare
    earths" line (rare_earths_headline: metals and compounds) is named apart, so the two are never mixed up. -#}
{% macro headline_sentence(us_tonnes, us_mom_pct, all_mom_pct, headline_mom_pct) -%}
    'US-bound rare-earth magnet exports '
    || case
        when {{ us_mom_pct }} is null then 'were ' || {{ number_text(us_tonnes, 0, grouped=true) }} || ' t'
        when round({{ us_mom_pct }}, 1) = 0 then 'held at ' || {{ number_text(us_tonnes, 0, grouped=true) }} || ' t'
        else {{ change_phrase(us_mom_pct) }} || ' month on month to ' || {{ number_text(us_tonnes, 0, grouped=true) }} || ' t'
    end
    || case
        when {{ all_mom_pct }} is null then ''
        when sign(round(coalesce({{ us_mom_pct }}, 0), 1)) = sign(round({{ all_mom_pct }}, 1)) then ', and all rare-earth exports '
        else ', while all rare-earth exports '
    end
    || case when {{ all_mom_pct }} is null then '' else {{ change_phrase(all_mom_pct) }} || ', magnets included' end
    || case
        when {{ all_mom_pct }} is null or {{ headline_mom_pct }} is null then ''
        else ' (the customs "rare earths" line, metals and compounds, ' || {{ change_phrase(headline_mom_pct) }} || ')'
    end
{%- endmacro %}
