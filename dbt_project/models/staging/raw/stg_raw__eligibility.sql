with

source as (
    select * from {{ source('raw', 'eligibility') }}
),

final as (
    select
        person_id,
        member_id,
        birth_date,
        payer as payer_raw,
        enrollment_start_date,
        enrollment_end_date
    from source
)

select * from final
