"""Capture: decorators, runs, fingerprints, profiles and provenance, written while training runs."""
