-- Each episode's stratum period, age and the reason it is left out of publication.
with

episodes as (
    select * from {{ ref('int_index_episodes') }}
),

birth_dates as (
    select * from {{ ref('int_person_birth_dates') }}
),

strata as (
    select * from {{ ref('int_measure_strata') }}
),

with_period_start as (
    select
        episodes.*,
        strata.performance_year,
        episodes.procedure_date between strata.period_start and strata.period_end as in_period,
        -- The start of the stratum's identification period that contains the procedure:
        -- its month and day (1 October for fusion) on or before the procedure date.
        case
            when episodes.procedure_date >= {{ date_from_parts(
                    'extract(year from episodes.procedure_date)',
                    'strata.period_start_month', 'strata.period_start_day') }}
            then {{ date_from_parts('extract(year from episodes.procedure_date)',
                    'strata.period_start_month', 'strata.period_start_day') }}
            else {{ date_from_parts('extract(year from episodes.procedure_date) - 1',
                    'strata.period_start_month', 'strata.period_start_day') }}
        end as denominator_period_start
    from episodes
    inner join strata
        on episodes.stratum = strata.stratum
),

with_person as (
    select
        episode.*,
        birth_dates.birth_date,
        case
            when birth_dates.person_id is null then 'missing_birth_date'
            when birth_dates.birth_date is null then birth_dates.birth_date_problem
            -- 18 or older on the day that opens the period containing the procedure.
            when cast({{ dbt.dateadd('year', var('minimum_age_years'), 'birth_dates.birth_date') }} as date)
                > episode.denominator_period_start then 'under_minimum_age'
        end as age_problem
    from with_period_start as episode
    left join birth_dates
        on episode.person_id = birth_dates.person_id
),

final as (
    select
        *,
        -- Why an episode of the period is not published in a payer feed (null = published).
        case
            when payer is null then 'unmapped_payer'
            else age_problem
        end as left_out_reason
    from with_person
)

select * from final
