-- Every run's payer and all-payer summary rows, kept by as-of date, so that the report can
-- show how the rates moved over the nights. Appended (a re-run of the same as-of date and
-- performance year replaces that night's rows); the payer and all-payer levels only, which
-- is what the trend plots read.
{{
    config(
        materialized='incremental',
        unique_key=['performance_year', 'as_of_date', 'measure_id', 'level', 'level_id', 'stratum'],
        incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
        partition_by=(['performance_year', 'as_of_date'] if target.type == 'spark' else none),
        on_schema_change='append_new_columns',
    )
}}
{#- Spark's Parquet tables cannot delete rows: a night is a partition, overwritten on a re-run. #}

with

summary as (
    select * from {{ ref('measure_summary') }}
),

final as (
    select
        performance_year,
        as_of_date,
        level,
        level_id,
        stratum,
        measure_id,
        episodes,
        pending,
        eligible_population,
        performance_met,
        performance_rate
    from summary
    where level in ('payer', 'all_payers')
)

select * from final
