{# A local Spark (`session`) reads the landing tables as Parquet handed over by the ingestion
   (one folder per table under the session setting `spark.g2139.landing_dir`): registered as
   the `raw` tables the sources name, at the start of every dbt run. DuckDB already holds
   `raw`; a cluster without the setting keeps the `raw` tables of its own catalog. #}
{% macro register_landing_tables() -%}
    {{ return(adapter.dispatch('register_landing_tables')()) }}
{%- endmacro %}

{% macro default__register_landing_tables() -%}
    select 1
{%- endmacro %}

{% macro spark__register_landing_tables() -%}
    {%- if execute -%}
        {%- set landing_dir = run_query('set spark.g2139.landing_dir').columns[1].values()[0] -%}
        {%- if landing_dir and not landing_dir.startswith('<') -%}
            {%- do run_query('create database if not exists raw') -%}
            {%- for source in graph.sources.values() if source.source_name == 'landing' -%}
                {%- do run_query('drop table if exists raw.' ~ source.identifier) -%}
                {%- do run_query('create table raw.' ~ source.identifier ~ " using parquet location '"
                    ~ landing_dir ~ '/' ~ source.identifier ~ "'") -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
