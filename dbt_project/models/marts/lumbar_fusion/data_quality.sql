-- Episodes of the period that could not be published, by reason (and raw payer
-- text for unmapped payers): nothing is left out silently.
with

outcomes as (
    select * from {{ ref('int_episode_outcomes') }}
),

left_out as (
    select * from outcomes
    where in_period and left_out_reason is not null
),

final as (
    select
        cast(left_out_reason as {{ dbt.type_string() }}) as reason,
        cast(case when left_out_reason = 'unmapped_payer' then payer_key end as {{ dbt.type_string() }})
            as detail,
        cast(count(*) as {{ dbt.type_int() }}) as episodes,
        cast(count(distinct person_id) as {{ dbt.type_int() }}) as persons
    from left_out
    group by 1, 2
)

select * from final
