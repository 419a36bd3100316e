-- One row: the run's as-of date, performance year and denominator identification period.
with

final as (
    select
        {{ as_of_date() }} as as_of_date,
        cast({{ performance_year() }} as {{ dbt.type_int() }}) as performance_year,
        -- Procedures from PY-2-10-01 through PY-1-09-30 inclusive (measure.md).
        cast('{{ performance_year() - 2 }}-10-01' as date) as period_start,
        cast('{{ performance_year() - 1 }}-09-30' as date) as period_end
)

select * from final
