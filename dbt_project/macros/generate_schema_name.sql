{# Layers live in plainly named schemas (staging, intermediate, marts,
   reference) rather than dbt's default "<target>_<custom>" so that payer
   reporting and data engineers query `marts.episodes` on every target. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
