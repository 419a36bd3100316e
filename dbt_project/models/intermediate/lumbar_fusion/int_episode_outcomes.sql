-- The measure's outcome for every episode, in the order of measure.md:
-- exclusion, then the one-year score, then whether the window has closed.
with

episodes as (
    select * from {{ ref('int_episode_denominator') }}
),

exclusions as (
    select * from {{ ref('int_episode_exclusions') }}
),

baseline as (
    select * from {{ ref('int_baseline_scores') }}
),

one_year as (
    select * from {{ ref('int_one_year_scores') }}
),

period as (
    select * from {{ ref('int_measure_period') }}
),

quality_codes as (
    select * from {{ ref('quality_code') }}
),

joined as (
    select
        episodes.*,
        period.as_of_date,
        baseline.baseline_date,
        baseline.baseline_score,
        one_year.one_year_date,
        one_year.one_year_score,
        baseline.baseline_score - one_year.one_year_score as improvement,
        exclusions.exclusion_reason,
        exclusions.exclusion_diagnosis_code,
        -- Final once the one-year window has closed: as_of > procedure + 15 months.
        period.as_of_date > {{ add_months(var('one_year_window_end_months'), 'episodes.procedure_date') }}
            as is_final
    from episodes
    cross join period
    left join exclusions on episodes.episode_id = exclusions.episode_id
    left join baseline on episodes.episode_id = baseline.episode_id
    left join one_year on episodes.episode_id = one_year.episode_id
),

with_outcome as (
    select
        *,
        case
            when exclusion_reason is not null then 'excluded'
            when one_year_score <= {{ var('one_year_met_max_score') }} then 'met'
            when improvement >= {{ var('improvement_met_min') }} then 'met'
            when one_year_score is not null then 'not_met'
            when is_final then 'not_measured'
            else 'pending'
        end as outcome
    from joined
),

final as (
    select
        with_outcome.*,
        quality_codes.quality_code,
        coalesce(quality_codes.quality_code = 'G2139', false) as g2139
    from with_outcome
    left join quality_codes on with_outcome.outcome = quality_codes.outcome
)

select * from final
