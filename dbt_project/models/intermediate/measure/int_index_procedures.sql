-- Every claim line that documents a primary index procedure of a stratum: CPT on
-- professional lines, ICD-10-PCS prefixes in procedure_code_1..25 on institutional ones.
with

index_codes as (
    select * from {{ ref('int_procedure_codes') }}
    -- Add-on codes never start an episode.
    where role = 'primary'
),

pcs_prefixes as (
    select distinct substring(code, 1, 3) as prefix
    from index_codes
    where code_system = 'ICD-10-PCS'
),

claims as (
    -- Only the lines and columns this model reads, selected in one pass. The branches
    -- below read this set 26 times: kept narrow, the engine can hold it in memory
    -- instead of re-reading (or materialising) every claim line 26 times.
    select
        person_id, member_id, payer_key, payer, claim_type, claim_line_start_date,
        hcpcs_code, {% for i in range(1, 6) %}hcpcs_modifier_{{ i }}, {% endfor %}rendering_npi, rendering_tin,
        {%- for i in range(1, 26) %}
        procedure_code_{{ i }}, procedure_date_{{ i }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_claim_lines') }}
    where hcpcs_code in (select code from index_codes where code_system = 'CPT')
        {%- for i in range(1, 26) %}
        or substring(procedure_code_{{ i }}, 1, 3) in (select prefix from pcs_prefixes)
        {%- endfor %}
),

professional as (
    select
        index_codes.stratum,
        index_codes.precedence,
        claims.person_id,
        claims.member_id,
        claims.payer_key,
        claims.payer,
        claims.claim_line_start_date as procedure_date,
        claims.hcpcs_code as procedure_code,
        'CPT' as code_system,
        claims.rendering_npi,
        claims.rendering_tin,
        -- Assistant-at-surgery lines are part of the episode but do not name its surgeon.
        case when {% for i in range(1, 6) -%}
            claims.hcpcs_modifier_{{ i }} in ('80', '81', '82', 'AS'){% if not loop.last %} or {% endif %}
            {%- endfor %}
            then true else false end as is_assistant
    from claims
    inner join index_codes
        on claims.hcpcs_code = index_codes.code
        and index_codes.code_system = 'CPT'
    -- CPT codes count on professional lines; a file without claim_type is professional.
    where coalesce(claims.claim_type, 'professional') = 'professional'
),

institutional_codes as (
    {{ unpivot_positions(
        'claims', ['person_id', 'member_id', 'payer_key', 'payer', 'claim_line_start_date'],
        [('procedure_code_{i}', 'procedure_code'), ('procedure_date_{i}', 'procedure_date')], 25,
        '{v} is not null') }}
),

institutional as (
    select
        index_codes.stratum,
        index_codes.precedence,
        codes.person_id,
        codes.member_id,
        codes.payer_key,
        codes.payer,
        -- A PCS code without its procedure date falls back to the claim line's date.
        coalesce(codes.procedure_date, codes.claim_line_start_date) as procedure_date,
        codes.procedure_code,
        'ICD-10-PCS' as code_system,
        -- A facility line names no surgeon (NPI) and no surgeon's group (TIN).
        cast(null as {{ dbt.type_string() }}) as rendering_npi,
        cast(null as {{ dbt.type_string() }}) as rendering_tin,
        false as is_assistant
    from institutional_codes as codes
    inner join index_codes
        on codes.procedure_code like {{ dbt.concat(['index_codes.code', "'%'"]) }}
        and index_codes.code_system = 'ICD-10-PCS'
),

final as (
    select * from professional
    union all
    select * from institutional
)

select * from final
where procedure_date <= {{ as_of_date() }}
