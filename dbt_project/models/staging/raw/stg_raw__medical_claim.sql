-- Claim lines, typed and renamed: codes trimmed and upper-cased, ICD-10 codes undotted,
-- the raw payer text kept beside its match key. Business rules live downstream.
with

source as (
    select * from {{ source('raw', 'medical_claim') }}
),

final as (
    select
        claim_id,
        claim_line_number,
        lower(trim(claim_type)) as claim_type,
        person_id,
        member_id,
        payer as payer_raw,
        {{ normalize_payer('payer') }} as payer_key,
        claim_line_start_date,
        claim_line_end_date,
        upper(trim(hcpcs_code)) as hcpcs_code,
        {%- for i in range(1, 6) %}
        upper(trim(hcpcs_modifier_{{ i }})) as hcpcs_modifier_{{ i }},
        {%- endfor %}
        rendering_npi,
        rendering_tin,
        {%- for i in range(1, 26) %}
        {{ normalize_icd10('diagnosis_code_' ~ i) }} as diagnosis_code_{{ i }},
        {%- endfor %}
        {%- for i in range(1, 26) %}
        upper(trim(procedure_code_{{ i }})) as procedure_code_{{ i }},
        procedure_date_{{ i }},
        {%- endfor %}
        data_source
    from source
)

select * from final
