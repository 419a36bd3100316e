"""Ingest stage: landing files into typed ``raw`` tables."""
