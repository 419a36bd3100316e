-- Every index-procedure code of every stratum: each stratum names its value set
-- (seed measure_stratum.procedure_value_set), whose seed lists the codes.
with

value_sets as (
    select 'lumbar_fusion' as procedure_value_set, code, code_system, role, match_type
    from {{ ref('lumbar_fusion') }}
    union all
    select 'lumbar_discectomy' as procedure_value_set, code, code_system, role, match_type
    from {{ ref('lumbar_discectomy') }}
),

strata as (
    select * from {{ ref('measure_stratum') }}
),

final as (
    select
        strata.stratum,
        strata.precedence,
        value_sets.code,
        value_sets.code_system,
        value_sets.role,
        value_sets.match_type
    from value_sets
    inner join strata
        on value_sets.procedure_value_set = strata.procedure_value_set
)

select * from final
