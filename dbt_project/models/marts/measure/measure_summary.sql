-- Every count of every measure of the family at every reporting level, one row per measure,
-- level, level id and stratum (plus `overall`, the sums over the strata):
--   payer       the payer feeds: canonical payers only, every payer even without episodes
--   all_payers  every episode, unmapped payers included (CMS counts all payers)
--   tin         group reporting: episodes whose procedure line names a TIN
--   tin_npi     individual reporting: episodes whose procedure line names a TIN and an NPI
-- Only episodes in their stratum's period with a usable age count at any level. Every
-- measure has the same rows (one spine of episodes): only its outcomes differ.
with

outcomes as (
    select * from {{ ref('int_episode_measure_outcomes') }}
),

measures as (
    select measure_id from {{ ref('int_measures') }}
),

strata as (
    select * from {{ ref('int_measure_strata') }}
),

payers as (
    select distinct payer from {{ ref('stg_seeds__payer_alias') }}
),

run as (
    select distinct as_of_date, performance_year from strata
),

counted as (
    select measure_id, stratum, payer, rendering_tin as tin, rendering_npi as npi, outcome
    from outcomes
    where in_period and age_problem is null
),

scoped as (
    select 'payer' as level, payer as level_id, payer, cast(null as {{ dbt.type_string() }}) as tin,
        cast(null as {{ dbt.type_string() }}) as npi, measure_id, stratum, outcome
    from counted
    where payer is not null
    union all
    select 'all_payers', 'all', null, null, null, measure_id, stratum, outcome
    from counted
    union all
    select 'tin', tin, null, tin, null, measure_id, stratum, outcome
    from counted
    where tin is not null
    union all
    select 'tin_npi', {{ dbt.concat(["tin", "'_'", "npi"]) }}, null, tin, npi, measure_id, stratum, outcome
    from counted
    where tin is not null and npi is not null
),

scopes as (
    -- Every level id that has episodes, plus every canonical payer and the all-payer total
    -- even without any: a feed with zeros is published, never a missing one.
    select distinct level, level_id, payer, tin, npi from scoped
    union
    select 'payer', payer, payer, null, null from payers
    union
    select 'all_payers', 'all', null, null, null
),

scope_strata as (
    -- Each scope gets every measure, each of its strata and the overall row: a submission
    -- needs all measures and strata.
    select scopes.*, measures.measure_id, strata.stratum
    from scopes cross join measures cross join strata
    union all
    select scopes.*, measures.measure_id, 'overall' from scopes cross join measures
),

by_stratum as (
    select
        level, level_id, measure_id, stratum,
        count(*) as episodes,
        sum(case when outcome = 'excluded' then 1 else 0 end) as excluded,
        sum(case when outcome = 'pending' then 1 else 0 end) as pending,
        sum(case when outcome = 'met' then 1 else 0 end) as performance_met,
        sum(case when outcome = 'not_met' then 1 else 0 end) as not_met,
        sum(case when outcome = 'not_measured' then 1 else 0 end) as not_measured
    from scoped
    group by level, level_id, measure_id, stratum
),

with_overall as (
    select * from by_stratum
    union all
    -- The overall rate is the weighted average: sums over the strata, then one division.
    select
        level, level_id, measure_id, 'overall',
        sum(episodes), sum(excluded), sum(pending), sum(performance_met), sum(not_met), sum(not_measured)
    from by_stratum
    group by level, level_id, measure_id
),

filled as (
    select
        scope_strata.*,
        coalesce(counts.episodes, 0) as episodes,
        coalesce(counts.excluded, 0) as excluded,
        coalesce(counts.pending, 0) as pending,
        coalesce(counts.performance_met, 0) as performance_met,
        coalesce(counts.not_met, 0) as not_met,
        coalesce(counts.not_measured, 0) as not_measured
    from scope_strata
    left join with_overall as counts
        on scope_strata.level = counts.level
        and scope_strata.level_id = counts.level_id
        and scope_strata.measure_id = counts.measure_id
        and scope_strata.stratum = counts.stratum
),

final as (
    select
        cast(filled.level as {{ dbt.type_string() }}) as level,
        cast(filled.level_id as {{ dbt.type_string() }}) as level_id,
        cast(filled.payer as {{ dbt.type_string() }}) as payer,
        cast(filled.tin as {{ dbt.type_string() }}) as tin,
        cast(filled.npi as {{ dbt.type_string() }}) as npi,
        cast(filled.measure_id as {{ dbt.type_string() }}) as measure_id,
        cast(filled.stratum as {{ dbt.type_string() }}) as stratum,
        cast(run.performance_year as {{ dbt.type_int() }}) as performance_year,
        cast(run.as_of_date as date) as as_of_date,
        cast(filled.episodes as {{ dbt.type_int() }}) as episodes,
        cast(filled.excluded as {{ dbt.type_int() }}) as excluded,
        cast(filled.pending as {{ dbt.type_int() }}) as pending,
        cast(filled.performance_met + filled.not_met + filled.not_measured as {{ dbt.type_int() }})
            as eligible_population,
        cast(filled.performance_met as {{ dbt.type_int() }}) as performance_met,
        -- Performance not met = not met + not measured (not measured counts as not met).
        cast(filled.not_met + filled.not_measured as {{ dbt.type_int() }}) as performance_not_met,
        cast(filled.not_met as {{ dbt.type_int() }}) as not_met,
        cast(filled.not_measured as {{ dbt.type_int() }}) as not_measured,
        {{ rate('filled.performance_met',
            'filled.performance_met + filled.not_met + filled.not_measured') }} as performance_rate,
        -- Data completeness: every episode that is not pending was reported with a code.
        {{ rate('filled.performance_met + filled.not_met + filled.not_measured + filled.excluded',
            'filled.episodes - filled.pending') }} as reporting_rate,
        cast(filled.pending = 0 as {{ dbt.type_boolean() }}) as ready
    from filled
    cross join run
)

select * from final
