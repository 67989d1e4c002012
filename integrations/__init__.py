"""Integrations with outside systems (MLflow, scikit-learn, SHAP, fairlearn, …), loaded only when used."""
