"""Open-source warehouse management system."""

__version__ = "0.1.0"
