"""Compute engines beside the default DuckDB one (see orchestration.warehouse)."""
