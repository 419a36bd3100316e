-- The payer-level rows of each measure count exactly that measure's rows of the published
-- episodes (episode_measures; for #459 the same rows as the episode feed).
-- Reads several relations: shown in Dagster as a check of the summary it guards.
{{ config(meta={'dagster': {'ref': {'name': 'measure_summary'}}}) }}
with

summary as (
    select * from {{ ref('measure_summary') }}
    where level = 'payer' and stratum <> 'overall'
),

feed as (
    select
        measure_id, payer, stratum,
        count(*) as episodes,
        sum(case when outcome = 'met' then 1 else 0 end) as performance_met,
        sum(case when outcome = 'pending' then 1 else 0 end) as pending
    from {{ ref('episode_measures') }}
    group by measure_id, payer, stratum
)

select summary.*
from summary
full outer join feed
    on summary.measure_id = feed.measure_id and summary.payer = feed.payer and summary.stratum = feed.stratum
where summary.payer is null
    or summary.episodes <> coalesce(feed.episodes, 0)
    or summary.performance_met <> coalesce(feed.performance_met, 0)
    or summary.pending <> coalesce(feed.pending, 0)
