{# Rows whose date lies outside their stratum's denominator identification period. #}
{% test in_stratum_period(model, column_name) %}
select model.*
from {{ model }} as model
left join {{ ref('int_measure_strata') }} as strata
    on model.stratum = strata.stratum
where strata.stratum is null
    or model.{{ column_name }} < strata.period_start
    or model.{{ column_name }} > strata.period_end
{% endtest %}
