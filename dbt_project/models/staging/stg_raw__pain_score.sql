-- Pain scores known on the as-of date, normalised to the 0-10 scale as exact decimals.
with

source as (
    select * from {{ source('raw', 'pain_score') }}
),

known_by_as_of as (
    select * from source
    where assessment_date <= {{ as_of_date() }}
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
    from known_by_as_of
    -- Ingestion quarantines other scales; this keeps a stray row from reaching a pair.
    where scale_max in (10, 100)
)

select * from final
