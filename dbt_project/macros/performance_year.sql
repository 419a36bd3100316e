{# The run's performance year (see run_parameter): a var when set, else `raw.run_parameters`. #}
{% macro performance_year() -%}
    {%- set as_of = var('as_of_date') -%}
    {%- if var('performance_year') in (none, '') and as_of not in (none, '') -%}
        {#- An as-of date given as a var without a year: the year of that date. -#}
        {{ (as_of | string)[:4] | int }}
    {%- else -%}
        {{ run_parameter('performance_year') }}
    {%- endif -%}
{%- endmacro %}
