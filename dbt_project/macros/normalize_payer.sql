{# Payer text as matched by seed payer_alias: case- and space-insensitive. #}
{% macro normalize_payer(column) -%}
    lower(replace(trim({{ column }}), ' ', ''))
{%- endmacro %}
