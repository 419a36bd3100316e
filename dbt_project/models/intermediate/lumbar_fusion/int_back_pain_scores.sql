-- The scores the measure reads: back pain only (leg pain is a different measure).
with

scores as (
    select * from {{ ref('stg_raw__pain_score') }}
),

final as (
    select
        person_id,
        assessment_date,
        normalized_score
    from scores
    where body_site = 'back'
)

select * from final
