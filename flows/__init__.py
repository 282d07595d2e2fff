"""Dialogues with officials, one module per flow."""
