{# procedure date + whole calendar months (clamped) + days: the follow-up bounds of
   seed measure_stratum, whose months and days may be columns. #}
{% macro add_months_and_days(months, days, date_column) -%}
    cast({{ dbt.dateadd('day', days, add_months(months, date_column)) }} as date)
{%- endmacro %}
