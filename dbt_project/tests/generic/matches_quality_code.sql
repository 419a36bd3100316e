{# Rows whose quality code is not the one seed quality_code gives their stratum and
   outcome (no code for an outcome the seed does not list, i.e. pending). #}
{% test matches_quality_code(model, column_name) %}
select model.*
from {{ model }} as model
left join {{ ref('quality_code') }} as codes
    on model.stratum = codes.stratum
    and model.outcome = codes.outcome
where coalesce(model.{{ column_name }}, '') <> coalesce(codes.quality_code, '')
{% endtest %}
