-- Pain scores, typed and renamed, with the score on the 0-10 scale as an exact decimal
-- (null for a scale other than 10 or 100, which ingestion quarantines anyway).
with

source as (
    select * from {{ source('landing', 'pain_score') }}
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
        -- score * 10 / scale_max, written as a multiplication by an exact decimal so that
        -- no engine falls back to floating-point division (81 mm -> 8.1 exactly).
        cast(
            case scale_max
                when 10 then cast(score as {{ dbt.type_numeric() }})
                when 100 then cast(score as {{ dbt.type_numeric() }}) * cast(0.1 as {{ dbt.type_numeric() }})
            end
            as {{ dbt.type_numeric() }}
        ) as normalized_score
    from source
)

select * from final
