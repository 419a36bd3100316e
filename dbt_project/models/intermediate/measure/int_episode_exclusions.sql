-- G9945: a spine exclusion diagnosis on any claim of the person (any payer)
-- from `exclusion_lookback_months` before the procedure through the procedure date.
with

episodes as (
    select * from {{ ref('int_index_episodes') }}
),

diagnoses as (
    select * from {{ ref('int_claim_diagnoses') }}
),

value_set as (
    select * from {{ ref('spine_exclusion') }}
),

excluding_diagnoses as (
    -- Join on the first three characters (every prefix has at least three), then
    -- match the whole prefix: an equi-join the engine can hash instead of a LIKE join.
    select
        diagnoses.person_id,
        diagnoses.service_date,
        diagnoses.diagnosis_code,
        value_set.reason
    from diagnoses
    inner join value_set
        on substring(diagnoses.diagnosis_code, 1, 3) = substring(value_set.code_prefix, 1, 3)
        and diagnoses.diagnosis_code like {{ dbt.concat(['value_set.code_prefix', "'%'"]) }}
),

matched as (
    select
        episodes.episode_id,
        excluding_diagnoses.reason,
        excluding_diagnoses.diagnosis_code,
        excluding_diagnoses.service_date,
        row_number() over (
            partition by episodes.episode_id
            order by excluding_diagnoses.service_date desc, excluding_diagnoses.reason,
                excluding_diagnoses.diagnosis_code
        ) as match_order
    from episodes
    inner join excluding_diagnoses
        on episodes.person_id = excluding_diagnoses.person_id
        and excluding_diagnoses.service_date
            between {{ add_months(-var('exclusion_lookback_months'), 'episodes.procedure_date') }}
            and episodes.procedure_date
),

final as (
    select
        episode_id,
        reason as exclusion_reason,
        diagnosis_code as exclusion_diagnosis_code,
        service_date as exclusion_diagnosis_date
    from matched
    where match_order = 1
)

select * from final
