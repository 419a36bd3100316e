{# A local Spark (`session`) reads the raw tables as Parquet held or handed over by the ingestion
   (one folder per table under the session setting `spark.g2139.rows_dir`): registered as
   the `raw` tables the sources name, at the start of every dbt run. DuckDB already holds
   `raw`; a cluster without the setting keeps the `raw` tables of its own catalog. #}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
        {%- set rows_dir = run_query('set spark.g2139.rows_dir').columns[1].values()[0] -%}
        {%- if rows_dir and not rows_dir.startswith('<') -%}
            {%- do run_query('create database if not exists raw') -%}
            {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
                {%- do run_query('drop table if exists raw.' ~ source.identifier) -%}
                {%- do run_query('create table raw.' ~ source.identifier ~ " using parquet location '"
                    ~ rows_dir ~ '/' ~ source.identifier ~ "'") -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
