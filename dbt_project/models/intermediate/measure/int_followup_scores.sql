-- Follow-up value of each episode and measure (its instrument), in the stratum's window:
-- procedure + start months + start days through procedure + end months + end days (9-15 months for fusion,
-- 42-140 days for discectomy), the one closest to procedure + target months;
-- equally close: the later; same day: the highest.
with

episodes as (
    select * from {{ ref('int_index_episodes') }}
),

strata as (
    select * from {{ ref('int_measure_strata') }}
),

scores as (
    select * from {{ ref('int_measure_scores') }}
),

windows as (
    select
        episodes.episode_id,
        episodes.person_id,
        {{ add_months_and_days('strata.followup_start_months', 'strata.followup_start_days',
            'episodes.procedure_date') }} as window_start,
        {{ add_months('strata.followup_target_months', 'episodes.procedure_date') }} as target_date,
        {{ add_months_and_days('strata.followup_end_months', 'strata.followup_end_days',
            'episodes.procedure_date') }} as window_end
    from episodes
    inner join strata
        on episodes.stratum = strata.stratum
),

in_window as (
    select
        windows.episode_id,
        scores.measure_id,
        scores.assessment_date,
        scores.score,
        row_number() over (
            partition by windows.episode_id, scores.measure_id
            order by
                abs({{ dbt.datediff('windows.target_date', 'scores.assessment_date', 'day') }}) asc,
                scores.assessment_date desc,
                scores.score desc
        ) as pick_order
    from windows
    inner join scores
        on windows.person_id = scores.person_id
        and scores.assessment_date between windows.window_start and windows.window_end
),

final as (
    select
        episode_id,
        measure_id,
        assessment_date as followup_date,
        score as followup_score
    from in_window
    where pick_order = 1
)

select * from final
