"""The bottom layer: evidence records, the grouped evidence of one run, and the declaration (uitlegbaar.yaml).

Imports nothing of the project but the floor (`uitlegbaar.errors`, `uitlegbaar.standards`)."""
