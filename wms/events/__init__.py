"""Outbox events for ERPs: written in the business transaction, delivered after commit."""
