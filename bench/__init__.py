"""Benchmark baselines: independent implementations of the measure (see bench/floor.py)."""
