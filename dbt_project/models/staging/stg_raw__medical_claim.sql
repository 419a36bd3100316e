-- Claim lines known on the as-of date, with the payer mapped to its canonical key.
with

source as (
    select * from {{ source('raw', 'medical_claim') }}
),

payer_alias as (
    select * from {{ ref('stg_seeds__payer_alias') }}
),

known_by_as_of as (
    -- Records dated after the as-of date are ignored (measure.md).
    select * from source
    where claim_line_start_date <= {{ as_of_date() }}
),

final as (
    select
        claim.claim_id,
        claim.claim_line_number,
        lower(trim(claim.claim_type)) as claim_type,
        claim.person_id,
        claim.member_id,
        claim.payer as payer_raw,
        {{ normalize_payer('claim.payer') }} as payer_key,
        payer_alias.payer,
        claim.claim_line_start_date,
        claim.claim_line_end_date,
        upper(trim(claim.hcpcs_code)) as hcpcs_code,
        {%- for i in range(1, 6) %}
        upper(trim(claim.hcpcs_modifier_{{ i }})) as hcpcs_modifier_{{ i }},
        {%- endfor %}
        claim.rendering_npi,
        {%- for i in range(1, 26) %}
        {{ normalize_icd10('claim.diagnosis_code_' ~ i) }} as diagnosis_code_{{ i }},
        {%- endfor %}
        {%- for i in range(1, 26) %}
        upper(trim(claim.procedure_code_{{ i }})) as procedure_code_{{ i }},
        claim.procedure_date_{{ i }},
        {%- endfor %}
        claim.data_source
    from known_by_as_of as claim
    left join payer_alias
        on {{ normalize_payer('claim.payer') }} = payer_alias.alias_key
)

select * from final
