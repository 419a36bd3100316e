"""Synthetic landing data for g2139: `from demo import write_demo_landing`."""

from demo.writer import DEFAULT_PEOPLE, DEFAULT_SEED, write_demo_landing

__all__ = ["DEFAULT_PEOPLE", "DEFAULT_SEED", "write_demo_landing"]
