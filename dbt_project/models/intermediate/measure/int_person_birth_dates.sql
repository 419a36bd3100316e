-- One usable birth date per person, or the reason there is none. Birth dates come from
-- eligibility and from FHIR Patient resources alike: one rule for both.
with

eligibility as (
    select * from {{ ref('stg_raw__eligibility') }}
),

fhir_patients as (
    select * from {{ ref('stg_raw__fhir_patient') }}
),

birth_dates as (
    select person_id, birth_date from eligibility
    union all
    select person_id, birth_date from fhir_patients
),

per_person as (
    select
        person_id,
        min(birth_date) as birth_date,
        count(distinct birth_date) as birth_dates
    from birth_dates
    where birth_date is not null
    group by person_id
),

final as (
    select
        person_id,
        -- Conflicting birth dates make the age unknowable: no guess, the person is reported.
        case when birth_dates = 1 then birth_date end as birth_date,
        case when birth_dates > 1 then 'conflicting_birth_date' end as birth_date_problem
    from per_person
)

select * from final
