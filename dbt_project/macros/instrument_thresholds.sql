{# The met thresholds of each instrument of seed `measure`, one row per instrument, from the
   vars that hold them (var `met_threshold_vars` names them: one var per number). A measure
   is met when its follow-up value is <= followup_met_max or its improvement (baseline -
   follow-up) >= improvement_met_min. #}
{% macro instrument_thresholds() -%}
    {%- for instrument, names in var('met_threshold_vars').items() %}
    select
        cast('{{ instrument }}' as {{ dbt.type_string() }}) as instrument,
        cast({{ var(names[0]) }} as decimal(10, 4)) as followup_met_max,
        cast({{ var(names[1]) }} as decimal(10, 4)) as improvement_met_min
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
