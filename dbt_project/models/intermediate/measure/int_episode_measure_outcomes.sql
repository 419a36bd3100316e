-- The outcome of every episode for every measure of the family (seed `measure`), in the
-- order of the measures' rules: exclusion, then the follow-up value (met when at most the
-- measure's follow-up max, or improved by at least its improvement min), then whether the
-- follow-up window has closed. One spine of episodes: denominator, exclusion, window and
-- finality are the episode's; baseline, follow-up and outcome are the measure's.
with

episodes as (
    select * from {{ ref('int_episode_denominator') }}
),

measures as (
    select * from {{ ref('int_measures') }}
),

exclusions as (
    select * from {{ ref('int_episode_exclusions') }}
),

baseline as (
    select * from {{ ref('int_baseline_scores') }}
),

followup as (
    select * from {{ ref('int_followup_scores') }}
),

strata as (
    select * from {{ ref('int_measure_strata') }}
),

quality_codes as (
    select * from {{ ref('quality_code') }}
),

joined as (
    select
        episodes.*,
        measures.measure_id,
        measures.is_headline,
        measures.followup_met_max,
        measures.improvement_met_min,
        strata.as_of_date,
        baseline.baseline_date,
        baseline.baseline_score,
        followup.followup_date,
        followup.followup_score,
        baseline.baseline_score - followup.followup_score as improvement,
        exclusions.exclusion_reason,
        exclusions.exclusion_diagnosis_code,
        -- Final once the stratum's follow-up window has closed: as_of > its last day.
        strata.as_of_date > {{ add_months_and_days('strata.followup_end_months',
            'strata.followup_end_days', 'episodes.procedure_date') }} as is_final
    from episodes
    cross join measures
    inner join strata on episodes.stratum = strata.stratum
    left join exclusions on episodes.episode_id = exclusions.episode_id
    left join baseline
        on episodes.episode_id = baseline.episode_id
        and measures.measure_id = baseline.measure_id
    left join followup
        on episodes.episode_id = followup.episode_id
        and measures.measure_id = followup.measure_id
),

with_outcome as (
    select
        *,
        case
            when exclusion_reason is not null then 'excluded'
            when followup_score <= followup_met_max then 'met'
            when improvement >= improvement_met_min then 'met'
            when followup_score is not null then 'not_met'
            when is_final then 'not_measured'
            else 'pending'
        end as outcome
    from joined
),

final as (
    select
        with_outcome.*,
        quality_codes.quality_code,
        -- The headline flag is named after its code: true exactly for G2139 (#459).
        coalesce(quality_codes.quality_code = 'G2139', false) as g2139
    from with_outcome
    left join quality_codes
        on with_outcome.measure_id = quality_codes.measure_id
        and with_outcome.stratum = quality_codes.stratum
        and with_outcome.outcome = quality_codes.outcome
)

select * from final
