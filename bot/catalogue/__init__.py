"""User-facing texts, one module per language with the same keys."""
