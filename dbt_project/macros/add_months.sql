{# Calendar-month arithmetic clamped to month end, returned as a date. #}
{% macro add_months(months, date_column) -%}
    cast({{ dbt.dateadd('month', months, date_column) }} as date)
{%- endmacro %}
