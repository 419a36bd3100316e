"""Nightly operation: partitions by performance year, schedule, sensors, alerts, freshness."""
