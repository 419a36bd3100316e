{# numerator / denominator as decimal(7, 6), rounded to 6 places; null when the denominator is 0. #}
{% macro rate(numerator, denominator) -%}
    cast(
        case when {{ denominator }} > 0 then round(
            cast({{ numerator }} as decimal(18, 6)) / cast({{ denominator }} as decimal(18, 6)), 6)
        end
        as decimal(7, 6)
    )
{%- endmacro %}
