-- Every published episode (the rows of `episodes`) once per measure of the family: the
-- measure's baseline and follow-up values (pain on 0-10, ODI on 0-100), improvement,
-- outcome and quality-data code (empty where none is known).
with

outcomes as (
    select * from {{ ref('int_episode_measure_outcomes') }}
),

published as (
    select * from outcomes
    where in_period and left_out_reason is null
),

final as (
    select
        cast(episode_id as {{ dbt.type_string() }}) as episode_id,
        cast(measure_id as {{ dbt.type_string() }}) as measure_id,
        cast(stratum as {{ dbt.type_string() }}) as stratum,
        cast(person_id as {{ dbt.type_string() }}) as person_id,
        cast(member_id as {{ dbt.type_string() }}) as member_id,
        cast(payer as {{ dbt.type_string() }}) as payer,
        cast(performance_year as {{ dbt.type_int() }}) as performance_year,
        cast(procedure_date as date) as procedure_date,
        cast(procedure_code as {{ dbt.type_string() }}) as procedure_code,
        cast(rendering_tin as {{ dbt.type_string() }}) as rendering_tin,
        cast(rendering_npi as {{ dbt.type_string() }}) as rendering_npi,
        cast(baseline_date as date) as baseline_date,
        cast(baseline_score as decimal(10, 4)) as baseline_score,
        cast(followup_date as date) as followup_date,
        cast(followup_score as decimal(10, 4)) as followup_score,
        cast(improvement as decimal(10, 4)) as improvement,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(quality_code as {{ dbt.type_string() }}) as quality_code,
        cast(exclusion_reason as {{ dbt.type_string() }}) as exclusion_reason,
        cast(is_final as {{ dbt.type_boolean() }}) as is_final,
        cast(as_of_date as date) as as_of_date
    from published
)

select * from final
