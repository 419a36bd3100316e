-- One episode per (stratum, person, payer, procedure date): every index line of that
-- person, payer and day (surgeon, assistant, facility, several codes) is one surgery.
-- When one day holds procedures of several strata, the stratum of lowest precedence
-- wins alone (a fusion with a discectomy on the same day is a fusion episode only).
-- Unmapped payers keep their own key so that they can be counted, never published.
with

procedures as (
    select * from {{ ref('int_index_procedures') }}
),

keyed as (
    select
        *,
        coalesce(payer, {{ dbt.concat(["'unmapped:'", "payer_key"]) }}) as episode_payer_key,
        -- The surgeon's CPT line names the episode; the facility's PCS code only when alone.
        case
            when code_system = 'CPT' and not is_assistant then 1
            when code_system = 'CPT' then 2
            else 3
        end as line_rank
    from procedures
),

winning_stratum as (
    select
        *,
        min(precedence) over (partition by person_id, episode_payer_key, procedure_date)
            as day_precedence
    from keyed
),

ranked as (
    select
        *,
        row_number() over (
            partition by person_id, episode_payer_key, procedure_date
            order by line_rank, procedure_code, rendering_npi, member_id, rendering_tin
        ) as line_order
    from winning_stratum
    where precedence = day_precedence
),

final as (
    select
        -- Stable across runs. The first stratum (precedence 1, the only one before the
        -- measure had strata) keeps its original key so that published ids never change;
        -- the others add the stratum to it.
        case
            when precedence = 1 then
                {{ dbt.hash(dbt.concat(["person_id", "'|'", "episode_payer_key", "'|'",
                    dbt.cast("procedure_date", dbt.type_string())])) }}
            else
                {{ dbt.hash(dbt.concat(["person_id", "'|'", "episode_payer_key", "'|'",
                    dbt.cast("procedure_date", dbt.type_string()), "'|'", "stratum"])) }}
        end as episode_id,
        stratum,
        person_id,
        member_id,
        payer,
        payer_key,
        episode_payer_key,
        procedure_date,
        procedure_code,
        code_system as procedure_code_system,
        rendering_npi,
        rendering_tin
    from ranked
    where line_order = 1
)

select * from final
