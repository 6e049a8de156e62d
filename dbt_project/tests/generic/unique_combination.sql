{#- The grain of a model: no two rows share these columns (dbt_utils is not reachable here). With
    only_months_of_the_run, a monthly build tests just the months it rebuilt (a `where` config cannot
    call a project macro), so the test's cost does not grow with the history. -#}
{% test unique_combination(model, columns, only_months_of_the_run=false) %}
select {{ columns | join(', ') }}, count(*) as rows_with_this_key
from {{ model }}
where {{ months_of_this_run('month') if only_months_of_the_run else 'true' }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
