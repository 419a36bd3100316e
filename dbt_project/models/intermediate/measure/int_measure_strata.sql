-- One row per stratum (shared by every measure of the family): the run's as-of date and performance year, the
-- stratum's denominator identification period and its follow-up window parameters
-- (seed measure_stratum), so that one set of models computes every stratum.
with

strata as (
    select * from {{ ref('measure_stratum') }}
),

run as (
    select
        {{ as_of_date() }} as as_of_date,
        cast({{ performance_year() }} as {{ dbt.type_int() }}) as performance_year
),

final as (
    select
        strata.stratum,
        strata.stratum_title,
        strata.procedure_value_set,
        strata.precedence,
        strata.followup_start_months,
        strata.followup_start_days,
        strata.followup_target_months,
        strata.followup_end_months,
        strata.followup_end_days,
        strata.period_start_month,
        strata.period_start_day,
        strata.version as spec_version,
        run.as_of_date,
        run.performance_year,
        -- Period bounds: date(PY + year offset, month, day), both inclusive.
        {{ date_from_parts('run.performance_year + strata.period_start_year_offset',
            'strata.period_start_month', 'strata.period_start_day') }} as period_start,
        {{ date_from_parts('run.performance_year + strata.period_end_year_offset',
            'strata.period_end_month', 'strata.period_end_day') }} as period_end
    from strata
    cross join run
)

select * from final
