-- One-year score: back pain from procedure + 9 months through + 15 months, the one
-- closest to procedure + 12 months; equally close: the later; same day: the highest.
with

episodes as (
    select * from {{ ref('int_fusion_episodes') }}
),

back_scores as (
    select * from {{ ref('int_back_pain_scores') }}
),

windows as (
    select
        episode_id,
        person_id,
        {{ add_months(var('one_year_window_start_months'), 'procedure_date') }} as window_start,
        {{ add_months(var('one_year_target_months'), 'procedure_date') }} as target_date,
        {{ add_months(var('one_year_window_end_months'), 'procedure_date') }} as window_end
    from episodes
),

in_window as (
    select
        windows.episode_id,
        back_scores.assessment_date,
        back_scores.normalized_score,
        row_number() over (
            partition by windows.episode_id
            order by
                abs({{ dbt.datediff('windows.target_date', 'back_scores.assessment_date', 'day') }}) asc,
                back_scores.assessment_date desc,
                back_scores.normalized_score desc
        ) as pick_order
    from windows
    inner join back_scores
        on windows.person_id = back_scores.person_id
        and back_scores.assessment_date between windows.window_start and windows.window_end
),

final as (
    select
        episode_id,
        assessment_date as one_year_date,
        normalized_score as one_year_score
    from in_window
    where pick_order = 1
)

select * from final
