{# A date from year, month and day expressions (integers or integer columns). #}
{% macro date_from_parts(year, month, day) -%}
    {{ return(adapter.dispatch('date_from_parts')(year, month, day)) }}
{%- endmacro %}

{% macro default__date_from_parts(year, month, day) -%}
    cast({{ dbt.concat([
        dbt.cast(year, dbt.type_string()), "'-'",
        "lpad(" ~ dbt.cast(month, dbt.type_string()) ~ ", 2, '0')", "'-'",
        "lpad(" ~ dbt.cast(day, dbt.type_string()) ~ ", 2, '0')"
    ]) }} as date)
{%- endmacro %}

{% macro duckdb__date_from_parts(year, month, day) -%}
    make_date(cast({{ year }} as integer), cast({{ month }} as integer), cast({{ day }} as integer))
{%- endmacro %}
