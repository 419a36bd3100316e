-- Each canonical payer has a row for every measure, stratum and `overall`, even without episodes.
-- Reads several relations: shown in Dagster as a check of the summary it guards.
{{ config(meta={'dagster': {'ref': {'name': 'measure_summary'}}}) }}
with

expected as (
    select payers.payer, measures.measure_id, strata.stratum
    from (select distinct payer from {{ ref('payer_alias') }}) as payers
    cross join (select measure_id from {{ ref('measure') }}) as measures
    cross join (
        select stratum from {{ ref('measure_stratum') }}
        union all
        select 'overall'
    ) as strata
)

select expected.*
from expected
left join {{ ref('measure_summary') }} as summary
    on summary.level = 'payer'
    and summary.payer = expected.payer
    and summary.measure_id = expected.measure_id
    and summary.stratum = expected.stratum
where summary.level is null
