-- Birth dates of the FHIR Patient resources (the Patient's id is the person id).
with

source as (
    select * from {{ source('raw', 'fhir_patient') }}
),

final as (
    select
        person_id,
        birth_date,
        _source_file as source_file,
        _source_row as source_row
    from source
)

select * from final
