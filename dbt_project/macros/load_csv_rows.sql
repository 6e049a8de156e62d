{#- Seeds load with one DuckDB COPY that is told the CSV dialect (RFC 4180: fields quoted with ", a quote inside
    doubled). dbt-duckdb's own fast path leaves the dialect to DuckDB's sniffer, which guesses "no escape" for
    dim_product_codes (descriptions such as "New rubber pneumatic tyres with ""herring-bone"", ...") and fails;
    its slow path inserts row by row through agate: 4.5 s for the 9,000 codes on every build. Found by dispatch
    before the adapter's own macro. -#}
{% macro duckdb__load_csv_rows(model, agate_table) %}
    {% set sql %}
        copy {{ this.render() }} from '{{ adapter.get_seed_file_path(model) }}'
            (format csv, header true, delimiter ',', quote '"', escape '"')
    {% endset %}
    {% do adapter.add_query(sql, abridge_sql_log=True) %}
    {{ return(sql) }}
{% endmacro %}

{#- dbt-spark's session loader pastes each value into the SQL unescaped (a quote breaks it, an empty cell becomes
    the text 'None'): Spark reads the file itself with the same RFC 4180 dialect, and casts to the seed's types. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set column_types = model['config'].get('column_types', {}) %}
    {% set view_name = 'seed_csv_' ~ model['name'] %}
    {% set read_sql %}
        create or replace temporary view {{ view_name }} using csv options (
            path '{{ model["root_path"] }}/{{ model["original_file_path"] }}',
            header 'true', quote '"', escape '"', multiLine 'true', encoding 'UTF-8'
        )
    {% endset %}
    {% do adapter.add_query(read_sql, abridge_sql_log=True) %}
    {% set sql %}
        insert into {{ this.render() }}
        select
        {%- for column_name in agate_table.column_names %}
            cast(`{{ column_name }}` as {{ column_types.get(column_name, adapter.convert_type(agate_table, loop.index0)) }})
            {{- "," if not loop.last }}
        {%- endfor %}
        from {{ view_name }}
    {% endset %}
    {% do adapter.add_query(sql, abridge_sql_log=True) %}
    {{ return(sql) }}
{% endmacro %}
