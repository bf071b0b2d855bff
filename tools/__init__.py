"""Build helpers for the study site and the notebooks (used by mkdocs hooks, make and tests)."""
