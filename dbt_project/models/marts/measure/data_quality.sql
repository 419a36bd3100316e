-- What the warehouse could not use for an episode of the period, by reason, so that
-- nothing is left out silently:
--   unmapped_payer (with the normalised raw payer text), missing_birth_date,
--   conflicting_birth_date, under_minimum_age: left out of the payer feeds;
--   missing_tin / missing_npi: counted at payer and all-payer level but in no
--   TIN (TIN + NPI) row.
with

outcomes as (
    select * from {{ ref('int_episode_outcomes') }}
),

in_period as (
    select * from outcomes where in_period
),

problems as (
    select
        left_out_reason as reason,
        case when left_out_reason = 'unmapped_payer' then payer_key end as detail,
        episode_id,
        person_id
    from in_period
    where left_out_reason is not null
    union all
    select 'missing_tin', null, episode_id, person_id
    from in_period
    where age_problem is null and rendering_tin is null
    union all
    select 'missing_npi', null, episode_id, person_id
    from in_period
    where age_problem is null and rendering_npi is null
),

final as (
    select
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(detail as {{ dbt.type_string() }}) as detail,
        cast(count(*) as {{ dbt.type_int() }}) as episodes,
        cast(count(distinct person_id) as {{ dbt.type_int() }}) as persons
    from problems
    group by reason, detail
)

select * from final
