"""Read models: the answers of GET endpoints that join several contexts' tables.

A layer above every context (``pyproject.toml``, ``[tool.importlinter]``): it may SELECT from any
context's tables and call any context's read functions; no context imports it, only the API, the
command line and the demo. It never writes (``tests/unit/test_views_read_only.py``): changes of state
stay in their contexts.
"""
