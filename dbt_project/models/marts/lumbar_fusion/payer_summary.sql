-- Counts and performance rate per canonical payer (all five, even without episodes).
with

episodes as (
    select * from {{ ref('episodes') }}
),

payers as (
    select distinct payer, payer_name from {{ ref('stg_seeds__payer_alias') }}
),

period as (
    select * from {{ ref('int_measure_period') }}
),

counts as (
    select
        payer,
        count(*) as episodes,
        sum(case when outcome = 'excluded' then 1 else 0 end) as excluded,
        sum(case when outcome = 'pending' then 1 else 0 end) as pending,
        sum(case when outcome = 'met' then 1 else 0 end) as performance_met,
        sum(case when outcome = 'not_met' then 1 else 0 end) as g2139,
        sum(case when outcome = 'not_measured' then 1 else 0 end) as not_measured
    from episodes
    group by payer
),

final as (
    select
        cast(payers.payer as {{ dbt.type_string() }}) as payer,
        cast(payers.payer_name as {{ dbt.type_string() }}) as payer_name,
        cast(period.performance_year as {{ dbt.type_int() }}) as performance_year,
        cast(period.as_of_date as date) as as_of_date,
        cast(coalesce(counts.episodes, 0) as {{ dbt.type_int() }}) as episodes,
        cast(coalesce(counts.excluded, 0) as {{ dbt.type_int() }}) as excluded,
        cast(coalesce(counts.pending, 0) as {{ dbt.type_int() }}) as pending,
        cast(coalesce(counts.performance_met + counts.g2139 + counts.not_measured, 0)
            as {{ dbt.type_int() }}) as eligible_population,
        cast(coalesce(counts.performance_met, 0) as {{ dbt.type_int() }}) as performance_met,
        -- Performance not met = G2139 + G9946 (not measured counts as not met).
        cast(coalesce(counts.g2139 + counts.not_measured, 0) as {{ dbt.type_int() }}) as performance_not_met,
        cast(coalesce(counts.not_measured, 0) as {{ dbt.type_int() }}) as not_measured,
        cast(coalesce(counts.g2139, 0) as {{ dbt.type_int() }}) as g2139,
        cast(
            case
                when coalesce(counts.performance_met + counts.g2139 + counts.not_measured, 0) > 0
                then round(
                    cast(counts.performance_met as decimal(18, 6))
                    / cast(counts.performance_met + counts.g2139 + counts.not_measured as decimal(18, 6)),
                    6)
            end
            as decimal(7, 6)
        ) as performance_rate
    from payers
    cross join period
    left join counts on payers.payer = counts.payer
)

select * from final
