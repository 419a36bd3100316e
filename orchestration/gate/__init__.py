"""Gate stage: the Great Expectations suites as blocking asset checks on the marts."""
