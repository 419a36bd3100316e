-- Quarantined landing rows by table, reason and column, over every loaded file (the
-- same inputs always give the same report). The rows themselves stay in `raw.quarantine`.
with

quarantine as (
    select * from {{ ref('stg_raw__quarantine') }}
),

final as (
    select
        cast(table_name as {{ dbt.type_string() }}) as table_name,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(column_name as {{ dbt.type_string() }}) as column_name,
        cast(count(*) as {{ dbt.type_bigint() }}) as rows
    from quarantine
    group by table_name, reason, column_name
)

select * from final
