-- One episode per (person, payer, procedure date): every fusion line of that
-- person, payer and day (surgeon, assistant, facility, several codes) is one surgery.
-- Unmapped payers keep their own key so that they can be counted, never published.
with

procedures as (
    select * from {{ ref('int_fusion_procedures') }}
),

keyed as (
    select
        *,
        coalesce(payer, 'unmapped:' || payer_key) as episode_payer_key,
        -- The surgeon's CPT line names the episode; the facility's PCS code only when alone.
        case
            when code_system = 'CPT' and not is_assistant then 1
            when code_system = 'CPT' then 2
            else 3
        end as line_rank
    from procedures
),

ranked as (
    select
        *,
        row_number() over (
            partition by person_id, episode_payer_key, procedure_date
            order by line_rank, procedure_code, rendering_npi, member_id
        ) as line_order
    from keyed
),

final as (
    select
        {{ dbt.hash(dbt.concat(["person_id", "'|'", "episode_payer_key", "'|'", dbt.cast("procedure_date", dbt.type_string())])) }} as episode_id,
        person_id,
        member_id,
        payer,
        payer_key,
        episode_payer_key,
        procedure_date,
        procedure_code,
        code_system as procedure_code_system,
        rendering_npi
    from ranked
    where line_order = 1
)

select * from final
