"""Pure analyses on tables and models: fairness per group, proxy screening, explanations."""
