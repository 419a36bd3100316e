-- The published episode feed: one row per surgery in its stratum's denominator period
-- of the performance year, for the canonical payers, usable age only. Contract columns
-- first, in order; the columns added since follow them.
with

outcomes as (
    select * from {{ ref('int_episode_outcomes') }}
),

published as (
    select * from outcomes
    where in_period and left_out_reason is null
),

final as (
    select
        cast(episode_id as {{ dbt.type_string() }}) as episode_id,
        cast(person_id as {{ dbt.type_string() }}) as person_id,
        cast(member_id as {{ dbt.type_string() }}) as member_id,
        cast(payer as {{ dbt.type_string() }}) as payer,
        cast(performance_year as {{ dbt.type_int() }}) as performance_year,
        cast(procedure_date as date) as procedure_date,
        cast(procedure_code as {{ dbt.type_string() }}) as procedure_code,
        cast(rendering_npi as {{ dbt.type_string() }}) as rendering_npi,
        cast(baseline_date as date) as baseline_date,
        cast(baseline_score as decimal(10, 4)) as baseline_score,
        -- For a stratum whose follow-up is not at one year (discectomy: three months),
        -- these hold its follow-up score: one file layout for every stratum.
        cast(followup_date as date) as one_year_date,
        cast(followup_score as decimal(10, 4)) as one_year_score,
        cast(improvement as decimal(10, 4)) as improvement,
        cast(outcome as {{ dbt.type_string() }}) as outcome,
        cast(quality_code as {{ dbt.type_string() }}) as quality_code,
        cast(g2139 as {{ dbt.type_boolean() }}) as g2139,
        cast(exclusion_reason as {{ dbt.type_string() }}) as exclusion_reason,
        cast(is_final as {{ dbt.type_boolean() }}) as is_final,
        cast(stratum as {{ dbt.type_string() }}) as stratum,
        cast(rendering_tin as {{ dbt.type_string() }}) as rendering_tin,
        cast(procedure_code_system as {{ dbt.type_string() }}) as procedure_code_system,
        cast(exclusion_diagnosis_code as {{ dbt.type_string() }}) as exclusion_diagnosis_code,
        cast(as_of_date as date) as as_of_date
    from published
)

select * from final
