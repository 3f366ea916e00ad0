"""Routing core: walking distances of layout.md and pick routes."""
