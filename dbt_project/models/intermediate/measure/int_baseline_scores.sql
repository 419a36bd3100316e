-- Baseline: the most recent back-pain score from procedure - 3 months through the
-- procedure date (same day counts); several that day: the lowest (conservative).
with

episodes as (
    select * from {{ ref('int_index_episodes') }}
),

back_scores as (
    select * from {{ ref('int_back_pain_scores') }}
),

in_window as (
    select
        episodes.episode_id,
        back_scores.assessment_date,
        back_scores.normalized_score,
        row_number() over (
            partition by episodes.episode_id
            order by back_scores.assessment_date desc, back_scores.normalized_score asc
        ) as pick_order
    from episodes
    inner join back_scores
        on episodes.person_id = back_scores.person_id
        and back_scores.assessment_date
            between {{ add_months(-var('baseline_window_months'), 'episodes.procedure_date') }}
            and episodes.procedure_date
),

final as (
    select
        episode_id,
        assessment_date as baseline_date,
        normalized_score as baseline_score
    from in_window
    where pick_order = 1
)

select * from final
