-- One row per measure of the family (seed `measure`) with its instrument's met thresholds
-- (vars, one per number): every model and check reads a measure's rule here.
with

measures as (
    select * from {{ ref('measure') }}
),

thresholds as (
    {{ instrument_thresholds() }}
),

final as (
    select
        cast(measures.measure_id as {{ dbt.type_string() }}) as measure_id,
        measures.title,
        measures.instrument,
        measures.source_table,
        measures.body_site,
        measures.score_min,
        measures.score_max,
        measures.is_headline,
        measures.version,
        thresholds.followup_met_max,
        thresholds.improvement_met_min
    from measures
    left join thresholds
        on measures.instrument = thresholds.instrument
)

select * from final
