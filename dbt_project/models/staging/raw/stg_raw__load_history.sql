-- One row per landing file and run, as the ingestion recorded it.
with

source as (
    select * from {{ source('raw', 'load_history') }}
),

final as (
    select
        load_id,
        run_id,
        table_name,
        source_file as path,
        file_sha256 as sha256,
        file_bytes,
        rows_read,
        rows_loaded,
        rows_quarantined,
        duplicate_of,
        loaded_at,
        status,
        replaces,
        superseded_by,
        rows_superseded
    from source
)

select * from final
