{# The run's as-of date and performance year. The pipeline writes them as data, one row in
   `raw.run_parameters`, so that a new night leaves dbt's partial parse intact (a changed
   `--vars` makes dbt re-parse the whole project). A var still wins when set: the unit tests
   (`overrides`) and a hand-run `dbt build --vars ...` give them that way. #}

{% macro run_parameter(name) -%}
    {%- set value = var(name) -%}
    {%- if value is none or value == '' -%}
        (select {{ name }} from {{ source('landing', 'run_parameters') }})
    {%- elif name == 'as_of_date' -%}
        cast('{{ value }}' as date)
    {%- else -%}
        {{ value | int }}
    {%- endif -%}
{%- endmacro %}

{% macro as_of_date() -%}
    {{ run_parameter('as_of_date') }}
{%- endmacro %}

{% macro performance_year() -%}
    {%- set as_of = var('as_of_date') -%}
    {%- if var('performance_year') in (none, '') and as_of not in (none, '') -%}
        {#- An as-of date given as a var without a year: the year of that date. -#}
        {{ (as_of | string)[:4] | int }}
    {%- else -%}
        {{ run_parameter('performance_year') }}
    {%- endif -%}
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

{# procedure date + whole calendar months (clamped) + days: the follow-up bounds of
   seed measure_stratum, whose months and days may be columns. #}
{% macro add_months_and_days(months, days, date_column) -%}
    cast({{ dbt.dateadd('day', days, add_months(months, date_column)) }} as date)
{%- endmacro %}

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

{# numerator / denominator as decimal(7, 6), rounded to 6 places; null when the denominator is 0. #}
{% macro rate(numerator, denominator) -%}
    cast(
        case when {{ denominator }} > 0 then round(
            cast({{ numerator }} as decimal(18, 6)) / cast({{ denominator }} as decimal(18, 6)), 6)
        end
        as decimal(7, 6)
    )
{%- endmacro %}
