-- The spine: every published episode has one row per measure, with the episode's own
-- stratum, payer, clinician, exclusion and finality; and no other rows.
{{ config(meta={'dagster': {'ref': {'name': 'episode_measures'}}}) }}
with

expected as (
    select episodes.*, measures.measure_id
    from {{ ref('episodes') }} as episodes
    cross join {{ ref('measure') }} as measures
)

select expected.episode_id, expected.measure_id, episode_measures.episode_id as found
from expected
full outer join {{ ref('episode_measures') }} as episode_measures
    on expected.episode_id = episode_measures.episode_id
    and expected.measure_id = episode_measures.measure_id
where expected.episode_id is null
    or episode_measures.episode_id is null
    or expected.stratum <> episode_measures.stratum
    or expected.payer <> episode_measures.payer
    or coalesce(expected.rendering_tin, '') <> coalesce(episode_measures.rendering_tin, '')
    or coalesce(expected.rendering_npi, '') <> coalesce(episode_measures.rendering_npi, '')
    or coalesce(expected.exclusion_reason, '') <> coalesce(episode_measures.exclusion_reason, '')
    or expected.is_final <> episode_measures.is_final
