{# The run's as-of date and performance year, from vars (set by the pipeline). #}

{% macro as_of_date_text() -%}
    {%- set value = var('as_of_date') -%}
    {%- if value is none or value == '' -%}
        {{ return(modules.datetime.date.today().isoformat()) }}
    {%- endif -%}
    {{ return(value | string) }}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_date_text() }}' as date)
{%- endmacro %}

{% macro performance_year() -%}
    {%- set value = var('performance_year') -%}
    {%- if value is none or value == '' -%}
        {{ return(as_of_date_text()[:4] | int) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}

{# An ICD-10 code as matched by the value sets: no dots, no spaces, upper case. #}
{% macro normalize_icd10(column) -%}
    upper(replace(replace(trim({{ column }}), '.', ''), ' ', ''))
{%- endmacro %}

{# Payer text as matched by seed payer_alias: case- and space-insensitive. #}
{% macro normalize_payer(column) -%}
    lower(replace(trim({{ column }}), ' ', ''))
{%- endmacro %}

{# Calendar-month arithmetic clamped to month end, returned as a date. #}
{% macro add_months(months, date_column) -%}
    cast({{ dbt.dateadd('month', months, date_column) }} as date)
{%- endmacro %}
