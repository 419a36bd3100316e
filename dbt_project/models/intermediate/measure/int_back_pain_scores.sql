-- The scores the measure reads: back pain only (leg pain is a different measure),
-- known on the as-of date, on a supported scale.
with

scores as (
    select * from {{ ref('int_pain_scores') }}
),

final as (
    select
        person_id,
        assessment_date,
        normalized_score
    from scores
    where body_site = 'back'
        and assessment_date <= {{ as_of_date() }}
        -- Null for a scale other than 10 or 100: such a score never reaches a pair.
        and normalized_score is not null
)

select * from final
