"""Item pipelines (switched and ordered in settings.py)."""
