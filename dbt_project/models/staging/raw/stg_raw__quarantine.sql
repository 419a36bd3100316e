-- One row per rejected landing row and problem; the row's own text (`raw_row`) is not read here.
with

source as (
    select * from {{ source('raw', 'quarantine') }}
),

final as (
    select
        load_id,
        run_id,
        table_name,
        source_file as path,
        file_sha256 as sha256,
        row_number as source_row,
        column_name,
        reason
    from source
)

select * from final
