-- The patient-reported values each measure reads (seed `measure`): its instrument's stream,
-- known on the as-of date. Pain measures read pain scores of their body site on the 0-10
-- scale (a scale other than 10 or 100 never reaches a pair); #471 reads ODI scores (0-100).
with

measures as (
    select * from {{ ref('int_measures') }}
),

pain as (
    select * from {{ ref('int_pain_scores') }}
),

functional_status as (
    select * from {{ ref('int_functional_status') }}
),

values_by_measure as (
    select
        measures.measure_id,
        pain.person_id,
        pain.assessment_date,
        pain.normalized_score as score
    from pain
    inner join measures
        on measures.source_table = 'pain_score'
        and pain.body_site = measures.body_site
    where pain.normalized_score is not null
    union all
    select
        measures.measure_id,
        functional_status.person_id,
        functional_status.assessment_date,
        functional_status.score
    from functional_status
    inner join measures
        on measures.source_table = 'functional_status'
    where functional_status.score is not null
),

final as (
    select
        measure_id,
        person_id,
        assessment_date,
        score
    from values_by_measure
    where assessment_date <= {{ as_of_date() }}
)

select * from final
