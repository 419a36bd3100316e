{# The run's as-of date and performance year. The pipeline writes them as data, one row in
   `raw.run_parameters`, so that a new night leaves dbt's partial parse intact (a changed
   `--vars` makes dbt re-parse the whole project). A var still wins when set: the unit tests
   (`overrides`) and a hand-run `dbt build --vars ...` give them that way. #}
{% macro run_parameter(name) -%}
    {%- set value = var(name) -%}
    {%- if value is none or value == '' -%}
        (select {{ name }} from {{ source('raw', 'run_parameters') }})
    {%- elif name == 'as_of_date' -%}
        cast('{{ value }}' as date)
    {%- else -%}
        {{ value | int }}
    {%- endif -%}
{%- endmacro %}
