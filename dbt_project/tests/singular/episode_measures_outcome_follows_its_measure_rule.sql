-- Each episode's outcome per measure follows that measure's rule (seed measure, vars
-- met_threshold_vars): met exactly when the follow-up value is at most the follow-up max
-- or the improvement at least the improvement min; not met otherwise when there is a
-- follow-up value. A code, when the measure has codes, is the seed's for the outcome.
{{ config(meta={'dagster': {'ref': {'name': 'episode_measures'}}}) }}
with

rows_with_rule as (
    select episode_measures.*, measures.followup_met_max, measures.improvement_met_min
    from {{ ref('episode_measures') }} as episode_measures
    left join {{ ref('int_measures') }} as measures
        on episode_measures.measure_id = measures.measure_id
),

codes as (
    select * from {{ ref('quality_code') }}
)

select rows_with_rule.*
from rows_with_rule
left join codes
    on rows_with_rule.measure_id = codes.measure_id
    and rows_with_rule.stratum = codes.stratum
    and rows_with_rule.outcome = codes.outcome
where rows_with_rule.followup_met_max is null
    or (rows_with_rule.outcome = 'met' and not coalesce(
        rows_with_rule.followup_score <= rows_with_rule.followup_met_max
        or rows_with_rule.improvement >= rows_with_rule.improvement_met_min, false))
    or (rows_with_rule.outcome = 'not_met' and not (
        rows_with_rule.followup_score > rows_with_rule.followup_met_max
        and coalesce(rows_with_rule.improvement < rows_with_rule.improvement_met_min, true)))
    or coalesce(rows_with_rule.quality_code, '') <> coalesce(codes.quality_code, '')
