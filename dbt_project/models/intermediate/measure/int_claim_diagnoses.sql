-- Claim diagnoses, one row per code position that holds a code.
-- Each position reads the claim-line view directly (no shared CTE): the engine then reads
-- just the two or three columns a position needs, instead of holding every claim line.
with

unpivoted as (
    {%- for i in range(1, 26) %}
    select person_id, claim_line_start_date as service_date, diagnosis_code_{{ i }} as diagnosis_code
    from {{ ref('int_claim_lines') }}
    where diagnosis_code_{{ i }} is not null and diagnosis_code_{{ i }} <> ''
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select distinct person_id, service_date, diagnosis_code from unpivoted
)

select * from final
