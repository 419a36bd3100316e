{# One row per position 1..n of numbered columns (diagnosis_code_1..25, procedure_code_1..25):
   `keep` columns as they are, each `values` entry (template with `{i}`, alias) taken from position
   i, rows kept where `condition` (with `{v}` for the first value) holds. DuckDB reads a union of
   n narrow selects fastest; Spark analyses such a union once per branch, so it uses stack(). #}
{% macro unpivot_positions(relation, keep, values, n, condition) -%}
    {{ return(adapter.dispatch('unpivot_positions')(relation, keep, values, n, condition)) }}
{%- endmacro %}

{% macro default__unpivot_positions(relation, keep, values, n, condition) -%}
    {%- for i in range(1, n + 1) %}
    select {{ keep | join(', ') }},
        {%- for template, alias in values %}
        {{ template.replace('{i}', i | string) }} as {{ alias }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }}
    where {{ condition.replace('{v}', values[0][0].replace('{i}', i | string)) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro spark__unpivot_positions(relation, keep, values, n, condition) -%}
    {%- set stacked = [] -%}
    {%- for i in range(1, n + 1) -%}
        {%- for template, alias in values -%}
            {%- do stacked.append(template.replace('{i}', i | string)) -%}
        {%- endfor -%}
    {%- endfor %}
    select * from (
        select {{ keep | join(', ') }},
            stack({{ n }}, {{ stacked | join(', ') }}) as ({{ values | map(attribute=1) | join(', ') }})
        from {{ relation }}
    ) as positions
    where {{ condition.replace('{v}', values[0][1]) }}
{%- endmacro %}
