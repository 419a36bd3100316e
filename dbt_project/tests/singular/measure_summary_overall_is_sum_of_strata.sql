-- Every `overall` row (per measure) holds the sums of its strata, and its rate is sum(met) / sum(eligible).
with

summary as (
    select * from {{ ref('measure_summary') }}
),

sums as (
    select
        level, level_id, measure_id,
        sum(episodes) as episodes,
        sum(excluded) as excluded,
        sum(pending) as pending,
        sum(eligible_population) as eligible_population,
        sum(performance_met) as performance_met,
        sum(performance_not_met) as performance_not_met
    from summary
    where stratum <> 'overall'
    group by level, level_id, measure_id
)

select overall.*
from summary as overall
left join sums
    on overall.level = sums.level and overall.level_id = sums.level_id
    and overall.measure_id = sums.measure_id
where overall.stratum = 'overall'
    and (
        sums.level is null
        or overall.episodes <> sums.episodes
        or overall.excluded <> sums.excluded
        or overall.pending <> sums.pending
        or overall.eligible_population <> sums.eligible_population
        or overall.performance_met <> sums.performance_met
        or overall.performance_not_met <> sums.performance_not_met
        or coalesce(overall.performance_rate, -1) <> coalesce({{ rate('sums.performance_met', 'sums.eligible_population') }}, -1)
    )
