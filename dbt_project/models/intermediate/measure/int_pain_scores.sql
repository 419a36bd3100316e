-- One stream of pain scores, whatever form they came in: `pain_score` files (CSV or
-- Parquet) and FHIR Observations, each row with its source (format, file, row or line,
-- FHIR resource id). Two rules make the stream:
-- - an assessment id sent in both forms: the form loaded last wins (the latest loaded
--   record wins, as between files of one form, where ingestion applies it);
-- - a score present more than once (same person, date, body site and normalised
--   value, in any forms or files) counts once: the pain_score row first, then by file
--   and row. The measure reads the stream and never the form.
with

tabular as (
    select * from {{ ref('stg_raw__pain_score') }}
),

fhir as (
    -- ODI observations (LOINC 97909-6) are functional status, not pain: int_functional_status.
    select * from {{ ref('stg_raw__fhir_observation') }}
    where instrument is null or instrument <> 'ODI'
),

loads as (
    select * from {{ ref('stg_raw__load_history') }}
),

stream as (
    select
        person_id,
        assessment_id,
        assessment_date,
        body_site,
        instrument,
        score,
        scale_max,
        normalized_score,
        case when lower(source_file) like '%.parquet' then 'parquet' else 'csv' end as source_format,
        source_file,
        source_row,
        cast(null as {{ dbt.type_string() }}) as source_resource_id,
        load_id,
        1 as source_order
    from tabular
    union all
    select
        person_id,
        assessment_id,
        assessment_date,
        body_site,
        instrument,
        score,
        scale_max,
        normalized_score,
        'fhir' as source_format,
        source_file,
        source_row,
        assessment_id as source_resource_id,
        load_id,
        2 as source_order
    from fhir
),

with_load_time as (
    select
        stream.*,
        max(loads.loaded_at) over (partition by stream.assessment_id, stream.source_order)
            as form_loaded_at,
        max(loads.loaded_at) over (partition by stream.assessment_id) as latest_loaded_at
    from stream
    left join loads
        on stream.load_id = loads.load_id
),

latest_form as (
    select * from with_load_time
    where assessment_id is null
        or form_loaded_at = latest_loaded_at
        or latest_loaded_at is null
),

counted_once as (
    select
        *,
        row_number() over (
            partition by person_id, assessment_date, body_site, normalized_score
            order by source_order, source_file, source_row
        ) as copy_number
    from latest_form
),

final as (
    select
        person_id,
        assessment_id,
        assessment_date,
        body_site,
        instrument,
        score,
        scale_max,
        normalized_score,
        source_format,
        source_file,
        source_row,
        source_resource_id
    from counted_once
    where copy_number = 1
)

select * from final
