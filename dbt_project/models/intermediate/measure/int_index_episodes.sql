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

clinicians as (
    -- The episode's clinician: the surgeon's professional (CPT) line among the index lines of
    -- the person, payer and date, the winning stratum's lines first. A fusion known only from
    -- its facility (PCS) line takes the surgeon of a professional discectomy line of that
    -- day: the same operation, and an episode with a known surgeon stays in its TIN.
    select
        person_id,
        episode_payer_key,
        procedure_date,
        rendering_npi,
        rendering_tin,
        row_number() over (
            partition by person_id, episode_payer_key, procedure_date
            order by case when precedence = day_precedence then 0 else 1 end,
                line_rank, procedure_code, rendering_npi, member_id, rendering_tin
        ) as clinician_order
    from winning_stratum
    where code_system = 'CPT'
),

final as (
    select
        -- Stable across runs. The first stratum (precedence 1, the only one before the
        -- measure had strata) keeps its original key so that published ids never change;
        -- the others add the stratum to it.
        case
            when ranked.precedence = 1 then
                {{ dbt.hash(dbt.concat(["ranked.person_id", "'|'", "ranked.episode_payer_key", "'|'",
                    dbt.cast("ranked.procedure_date", dbt.type_string())])) }}
            else
                {{ dbt.hash(dbt.concat(["ranked.person_id", "'|'", "ranked.episode_payer_key", "'|'",
                    dbt.cast("ranked.procedure_date", dbt.type_string()), "'|'", "ranked.stratum"])) }}
        end as episode_id,
        ranked.stratum,
        ranked.person_id,
        ranked.member_id,
        ranked.payer,
        ranked.payer_key,
        ranked.episode_payer_key,
        ranked.procedure_date,
        ranked.procedure_code,
        ranked.code_system as procedure_code_system,
        case when clinicians.person_id is null then ranked.rendering_npi else clinicians.rendering_npi end
            as rendering_npi,
        case when clinicians.person_id is null then ranked.rendering_tin else clinicians.rendering_tin end
            as rendering_tin
    from ranked
    left join clinicians
        on ranked.person_id = clinicians.person_id
        and ranked.episode_payer_key = clinicians.episode_payer_key
        and ranked.procedure_date = clinicians.procedure_date
        and clinicians.clinician_order = 1
    where ranked.line_order = 1
)

select * from final
