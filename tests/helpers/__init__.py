"""Helpers shared by test modules: data builders, scenario stories, runs of the pipeline.

Test modules import from here (never from one another, nor from `conftest.py`);
`tests/test_test_imports.py` enforces it.
"""
