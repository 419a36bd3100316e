"""Transform stage: the dbt project builds ``raw`` into the marts."""
