-- Pain scores, typed and renamed, with the score on the 0-10 scale as an exact decimal
-- (null for a scale other than 10 or 100, which ingestion quarantines anyway).
with

source as (
    select * from {{ source('raw', 'pain_score') }}
),

final as (
    select
        person_id,
        assessment_id,
        assessment_date,
        lower(trim(body_site)) as body_site,
        upper(trim(instrument)) as instrument,
        cast(score as {{ dbt.type_numeric() }}) as score,
        scale_max,
        {{ normalized_score('score', 'scale_max') }} as normalized_score,
        _source_file as source_file,
        _source_row as source_row,
        _load_id as load_id
    from source
)

select * from final
