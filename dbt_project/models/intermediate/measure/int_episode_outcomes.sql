-- The headline measure's outcome for every episode (seed `measure`: #459, whose not-met
-- code is the flag G2139): one row per episode, as the episode feed publishes it.
with

outcomes as (
    select * from {{ ref('int_episode_measure_outcomes') }}
),

final as (
    select * from outcomes
    where is_headline
)

select * from final
