-- Claim diagnoses, one row per code position that holds a code.
-- Each position reads the claim-line view directly (no shared CTE): the engine then reads
-- just the two or three columns a position needs, instead of holding every claim line.
with

unpivoted as (
    {{ unpivot_positions(
        ref('int_claim_lines'), ['person_id', 'claim_line_start_date as service_date'],
        [('diagnosis_code_{i}', 'diagnosis_code')], 25, "{v} is not null and {v} <> ''") }}
),

final as (
    select distinct person_id, service_date, diagnosis_code from unpivoted
)

select * from final
