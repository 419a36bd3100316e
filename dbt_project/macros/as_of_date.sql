{# The run's as-of date (see run_parameter): a var when set, else `raw.run_parameters`. #}
{% macro as_of_date() -%}
    {{ run_parameter('as_of_date') }}
{%- endmacro %}
