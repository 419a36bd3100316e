-- Baseline of each episode and measure: the most recent value of the measure's instrument
-- from procedure - 3 months through the procedure date (same day counts); several that
-- day: the lowest (conservative: for pain and ODI alike, lower is better).
with

episodes as (
    select * from {{ ref('int_index_episodes') }}
),

scores as (
    select * from {{ ref('int_measure_scores') }}
),

in_window as (
    select
        episodes.episode_id,
        scores.measure_id,
        scores.assessment_date,
        scores.score,
        row_number() over (
            partition by episodes.episode_id, scores.measure_id
            order by scores.assessment_date desc, scores.score asc
        ) as pick_order
    from episodes
    inner join scores
        on episodes.person_id = scores.person_id
        and scores.assessment_date
            between {{ add_months(-var('baseline_window_months'), 'episodes.procedure_date') }}
            and episodes.procedure_date
),

final as (
    select
        episode_id,
        measure_id,
        assessment_date as baseline_date,
        score as baseline_score
    from in_window
    where pick_order = 1
)

select * from final
