-- Each episode's denominator period, age and whether it belongs in the published denominator.
with

episodes as (
    select * from {{ ref('int_fusion_episodes') }}
),

birth_dates as (
    select * from {{ ref('int_person_birth_dates') }}
),

period as (
    select * from {{ ref('int_measure_period') }}
),

with_period_start as (
    select
        episodes.*,
        -- The 1 October on or before the procedure: step back 9 months, take that
        -- year's 1 January, step forward 9 months (portable calendar arithmetic).
        {{ add_months(9, dbt.date_trunc('year', add_months(-9, 'episodes.procedure_date'))) }}
            as denominator_period_start
    from episodes
),

with_person as (
    select
        episode.*,
        birth_dates.birth_date,
        case
            when birth_dates.person_id is null then 'missing_birth_date'
            when birth_dates.birth_date is null then birth_dates.birth_date_problem
            -- 18 or older on the 1 October that opens the period (measure.md).
            when cast({{ dbt.dateadd('year', var('minimum_age_years'), 'birth_dates.birth_date') }} as date)
                > episode.denominator_period_start then 'under_minimum_age'
        end as age_problem
    from with_period_start as episode
    left join birth_dates
        on episode.person_id = birth_dates.person_id
),

final as (
    select
        episode.*,
        period.performance_year,
        episode.procedure_date between period.period_start and period.period_end as in_period,
        -- Why an episode of the period is not published (null = published).
        case
            when episode.payer is null then 'unmapped_payer'
            else episode.age_problem
        end as left_out_reason
    from with_person as episode
    cross join period
)

select * from final
