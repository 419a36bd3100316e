-- The episode feed is the headline measure's (#459, seed measure) rows of episode_measures:
-- same values, outcome and code, so the feed and the family never disagree.
{{ config(meta={'dagster': {'ref': {'name': 'episode_measures'}}}) }}
with

headline as (
    select episode_measures.*
    from {{ ref('episode_measures') }} as episode_measures
    inner join {{ ref('measure') }} as measures
        on episode_measures.measure_id = measures.measure_id
    where measures.is_headline
)

select episodes.episode_id
from {{ ref('episodes') }} as episodes
full outer join headline
    on episodes.episode_id = headline.episode_id
where episodes.episode_id is null
    or headline.episode_id is null
    or episodes.outcome <> headline.outcome
    or coalesce(episodes.quality_code, '') <> coalesce(headline.quality_code, '')
    or coalesce(episodes.baseline_score, -1) <> coalesce(headline.baseline_score, -1)
    or coalesce(episodes.one_year_score, -1) <> coalesce(headline.followup_score, -1)
    or coalesce(episodes.improvement, -1000) <> coalesce(headline.improvement, -1000)
