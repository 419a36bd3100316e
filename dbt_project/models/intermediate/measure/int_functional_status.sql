-- One stream of ODI scores (measure #471), whatever form they came in: `functional_status`
-- files (CSV or Parquet; the score sent or computed from the section answers) and FHIR
-- Observations with LOINC 97909-6, each row with its source. The rules of the pain stream
-- (int_pain_scores) hold here too:
-- - an assessment id sent in both forms: the form loaded last wins;
-- - a score present more than once (same person, date and value, in any forms or files)
--   counts once: the functional_status row first, then by file and row.
with

tabular as (
    select * from {{ ref('stg_raw__functional_status') }}
),

fhir as (
    select * from {{ ref('stg_raw__fhir_observation') }}
    where instrument = 'ODI'
),

loads as (
    select * from {{ ref('stg_raw__load_history') }}
),

stream as (
    select
        person_id,
        assessment_id,
        assessment_date,
        score,
        score_source,
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
        score,
        'score' as score_source,
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
            partition by person_id, assessment_date, score
            order by source_order, source_file, source_row
        ) as copy_number
    from latest_form
),

final as (
    select
        person_id,
        assessment_id,
        assessment_date,
        score,
        score_source,
        source_format,
        source_file,
        source_row,
        source_resource_id
    from counted_once
    where copy_number = 1
)

select * from final
