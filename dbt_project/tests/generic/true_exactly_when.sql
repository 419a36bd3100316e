{# Rows where the boolean column disagrees with the condition (both directions). #}
{% test true_exactly_when(model, column_name, condition) %}
select *
from {{ model }}
where ({{ column_name }} and not coalesce(({{ condition }}), false))
   or (not {{ column_name }} and coalesce(({{ condition }}), false))
   or {{ column_name }} is null
{% endtest %}
