-- Each measure's values are on its instrument's scale (seed measure: pain 0-10, ODI 0-100)
-- and dated in their windows: the baseline from procedure - baseline months through the
-- procedure, the follow-up in the stratum's window (seed measure_stratum).
{{ config(meta={'dagster': {'ref': {'name': 'episode_measures'}}}) }}
with

rows_with_rule as (
    select
        episode_measures.*,
        measures.score_min,
        measures.score_max,
        {{ add_months_and_days('strata.followup_start_months', 'strata.followup_start_days',
            'episode_measures.procedure_date') }} as window_start,
        {{ add_months_and_days('strata.followup_end_months', 'strata.followup_end_days',
            'episode_measures.procedure_date') }} as window_end
    from {{ ref('episode_measures') }} as episode_measures
    inner join {{ ref('int_measures') }} as measures
        on episode_measures.measure_id = measures.measure_id
    inner join {{ ref('measure_stratum') }} as strata
        on episode_measures.stratum = strata.stratum
)

select *
from rows_with_rule
where baseline_score < score_min or baseline_score > score_max
    or followup_score < score_min or followup_score > score_max
    or baseline_date < {{ add_months(-var('baseline_window_months'), 'procedure_date') }}
    or baseline_date > procedure_date
    or followup_date < window_start
    or followup_date > window_end
