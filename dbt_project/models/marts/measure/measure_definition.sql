-- One row per measure and stratum: what each measure of the family is for this performance
-- year - title, instrument and met thresholds, names, periods and quality-data codes (none
-- known for #461 and #471: left empty) - for the publications that describe or submit it.
with

strata as (
    select * from {{ ref('int_measure_strata') }}
),

measures as (
    select * from {{ ref('int_measures') }}
),

qpp_names as (
    select * from {{ ref('qpp_stratum_name') }}
),

quality_codes as (
    select * from {{ ref('quality_code') }}
),

codes as (
    select
        measure_id,
        stratum,
        max(case when outcome = 'met' then quality_code end) as code_met,
        max(case when outcome = 'not_met' then quality_code end) as code_not_met,
        max(case when outcome = 'not_measured' then quality_code end) as code_not_measured,
        max(case when outcome = 'excluded' then quality_code end) as code_excluded
    from quality_codes
    group by measure_id, stratum
),

final as (
    select
        cast(strata.stratum as {{ dbt.type_string() }}) as stratum,
        cast(measures.measure_id as {{ dbt.type_string() }}) as measure_id,
        -- The measure's title (seed measure) naming the stratum: '... (lumbar fusion stratum)'.
        cast({{ dbt.concat(["measures.title", "' ('", "strata.stratum_title", "')'"]) }}
            as {{ dbt.type_string() }}) as measure_title,
        cast(measures.version as {{ dbt.type_string() }}) as spec_version,
        -- QPP's name for the stratum changes with the year (2024: discectomyLaminectmy).
        cast(qpp_names.qpp_stratum as {{ dbt.type_string() }}) as qpp_stratum,
        cast(strata.performance_year as {{ dbt.type_int() }}) as performance_year,
        {{ date_from_parts('strata.performance_year', 1, 1) }} as performance_period_start,
        {{ date_from_parts('strata.performance_year', 12, 31) }} as performance_period_end,
        cast(strata.period_start as date) as denominator_period_start,
        cast(strata.period_end as date) as denominator_period_end,
        cast(codes.code_met as {{ dbt.type_string() }}) as code_met,
        cast(codes.code_not_met as {{ dbt.type_string() }}) as code_not_met,
        cast(codes.code_not_measured as {{ dbt.type_string() }}) as code_not_measured,
        cast(codes.code_excluded as {{ dbt.type_string() }}) as code_excluded,
        cast(strata.as_of_date as date) as as_of_date,
        cast(measures.instrument as {{ dbt.type_string() }}) as instrument,
        cast(measures.followup_met_max as decimal(10, 4)) as followup_met_max,
        cast(measures.improvement_met_min as decimal(10, 4)) as improvement_met_min
    from strata
    cross join measures
    left join qpp_names
        on strata.stratum = qpp_names.stratum
        and strata.performance_year >= qpp_names.first_year
        and strata.performance_year <= coalesce(qpp_names.last_year, strata.performance_year)
    left join codes
        on measures.measure_id = codes.measure_id
        and strata.stratum = codes.stratum
)

select * from final
