"""The asset keys stages name each other's outputs by: one home, importable by every stage.

A table is keyed by its relation in the warehouse (``relation_key``, dagster-dbt's default
for models), which is how an ingest asset and the dbt source reading it meet without either
stage importing the other; the feeds have a key of their own.
"""

from __future__ import annotations

import dagster as dg

RAW_SCHEMA = "raw"


def relation_key(schema: str, table: str) -> dg.AssetKey:
    """The asset key of a table: its schema and name."""
    return dg.AssetKey([schema, table])


def raw_key(table: str) -> dg.AssetKey:
    """The key of a table in schema ``raw`` (written by the ingest stage)."""
    return relation_key(RAW_SCHEMA, table)


def landing_key(table: str) -> dg.AssetKey:
    """The key of a landing folder (``<landing>/<table>/``): external, senders fill it."""
    return dg.AssetKey(["landing", table])


FEEDS_KEY = dg.AssetKey(["feeds", "payer_feeds"])
