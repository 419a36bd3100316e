-- Pain-score Observations of the FHIR files, in the shape of stg_raw__pain_score:
-- the body site from seed fhir_body_site (a known SNOMED CT code first, else the text),
-- the score on the 0-10 scale as an exact decimal. Ingestion has already kept only
-- final/amended/corrected observations with a known code, unit, body site and range.
with

source as (
    select * from {{ source('raw', 'fhir_observation') }}
),

body_site_codes as (
    select code, body_site from {{ ref('fhir_body_site') }} where kind = 'snomed'
),

body_site_texts as (
    select lower(trim(code)) as text_key, body_site from {{ ref('fhir_body_site') }} where kind = 'text'
),

final as (
    select
        source.person_id,
        source.assessment_id,
        source.assessment_date,
        coalesce(body_site_codes.body_site, body_site_texts.body_site) as body_site,
        source.instrument,
        cast(source.score as {{ dbt.type_numeric() }}) as score,
        source.scale_max,
        {{ normalized_score('source.score', 'source.scale_max') }} as normalized_score,
        source.loinc_code,
        source.unit,
        source.status,
        source._source_file as source_file,
        source._source_row as source_row,
        source._load_id as load_id
    from source
    left join body_site_codes
        on source.body_site_code = body_site_codes.code
    left join body_site_texts
        on lower(trim(source.body_site_text)) = body_site_texts.text_key
)

select * from final
