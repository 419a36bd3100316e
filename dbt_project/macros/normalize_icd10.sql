{# An ICD-10 code as matched by the value sets: no dots, no spaces, upper case. #}
{% macro normalize_icd10(column) -%}
    upper(replace(replace(trim({{ column }}), '.', ''), ' ', ''))
{%- endmacro %}
