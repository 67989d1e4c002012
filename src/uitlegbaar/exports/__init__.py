"""Exports of a run into the formats the ecosystem reads: CycloneDX, OpenLineage, SPDX, Croissant."""
