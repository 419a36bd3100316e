-- The first stratum's payer-level counts in the layout the payer feeds have always had
-- (summary.json's top-level counts); measure_summary holds every level and stratum.
with

summary as (
    select * from {{ ref('measure_summary') }}
),

first_stratum as (
    select stratum from {{ ref('measure_stratum') }} where precedence = 1
),

payer_names as (
    select distinct payer, payer_name from {{ ref('stg_seeds__payer_alias') }}
),

final as (
    select
        summary.payer,
        cast(payer_names.payer_name as {{ dbt.type_string() }}) as payer_name,
        summary.performance_year,
        summary.as_of_date,
        summary.episodes,
        summary.excluded,
        summary.pending,
        summary.eligible_population,
        summary.performance_met,
        summary.performance_not_met,
        summary.not_measured,
        summary.not_met as g2139,
        summary.performance_rate
    from summary
    inner join first_stratum on summary.stratum = first_stratum.stratum
    inner join payer_names on summary.payer = payer_names.payer
    where summary.level = 'payer'
)

select * from final
