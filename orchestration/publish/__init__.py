"""Publish stage: the marts into an atomic release of payer feeds."""
