-- One row per landing file ever loaded (path and content): rows read = rows loaded +
-- rows quarantined, and a file whose content was loaded before under another path is
-- named as a duplicate. A file seen again by a later run is recorded there as a
-- duplicate of itself; its first load is the one that counts, so the same inputs always
-- give the same accounting.
with

loads as (
    select * from {{ ref('stg_raw__load_history') }}
),

first_loads as (
    select
        *,
        row_number() over (
            partition by table_name, path, sha256
            order by loaded_at, load_id
        ) as load_order
    from loads
),

final as (
    select
        cast(load_id as {{ dbt.type_string() }}) as load_id,
        cast(run_id as {{ dbt.type_string() }}) as run_id,
        cast(table_name as {{ dbt.type_string() }}) as table_name,
        cast(path as {{ dbt.type_string() }}) as path,
        cast(sha256 as {{ dbt.type_string() }}) as sha256,
        cast(file_bytes as {{ dbt.type_bigint() }}) as file_bytes,
        cast(rows_read as {{ dbt.type_bigint() }}) as rows_read,
        cast(rows_loaded as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(rows_quarantined as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(duplicate_of as {{ dbt.type_string() }}) as duplicate_of,
        cast(rows_read = rows_loaded + rows_quarantined as {{ dbt.type_boolean() }}) as balanced,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        -- loaded | duplicate | still_being_written; a path re-sent with new content
        -- replaces its earlier version, which is then superseded (kept for audit, unused).
        cast(status as {{ dbt.type_string() }}) as status,
        cast(replaces as {{ dbt.type_string() }}) as replaces,
        cast(superseded_by as {{ dbt.type_string() }}) as superseded_by,
        cast(coalesce(rows_superseded, 0) as {{ dbt.type_bigint() }}) as rows_superseded
    from first_loads
    where load_order = 1
)

select * from final
