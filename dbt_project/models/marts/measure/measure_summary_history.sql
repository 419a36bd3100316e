-- Every run's payer and all-payer summary rows, kept by as-of date, so that the report can
-- show how the rates moved over the nights. Appended (a re-run of the same as-of date and
-- performance year replaces that night's rows); the payer and all-payer levels only, which
-- is what the trend plots read.
{{
    config(
        materialized='incremental',
        unique_key=['performance_year', 'as_of_date', 'level', 'level_id', 'stratum'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

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
        episodes,
        pending,
        eligible_population,
        performance_met,
        performance_rate
    from summary
    where level in ('payer', 'all_payers')
)

select * from final
