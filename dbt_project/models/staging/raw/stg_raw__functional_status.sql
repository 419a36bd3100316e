-- ODI questionnaires, typed and renamed, with their score on 0-100 as an exact decimal: the
-- score as sent or, without one, the score ingestion computed from the section answers
-- (`item_score`; ingestion quarantined a row whose score and answers disagree).
with

source as (
    select * from {{ source('raw', 'functional_status') }}
),

final as (
    select
        person_id,
        assessment_id,
        assessment_date,
        upper(trim(instrument)) as instrument,
        trim(version) as version,
        cast(coalesce(score, item_score) as {{ dbt.type_numeric() }}) as score,
        case when score is null then 'answers' else 'score' end as score_source,
        _source_file as source_file,
        _source_row as source_row,
        _load_id as load_id
    from source
)

select * from final
