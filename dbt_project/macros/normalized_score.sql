{# A pain score on the 0-10 scale: score * 10 / scale_max, written as a multiplication by
   an exact decimal so that no engine falls back to floating-point division
   (81 mm -> 8.1 exactly); null for a scale other than 10 or 100. #}
{% macro normalized_score(score, scale_max) -%}
    cast(
        case {{ scale_max }}
            when 10 then cast({{ score }} as {{ dbt.type_numeric() }})
            when 100 then cast({{ score }} as {{ dbt.type_numeric() }}) * cast(0.1 as {{ dbt.type_numeric() }})
        end
        as {{ dbt.type_numeric() }}
    )
{%- endmacro %}
