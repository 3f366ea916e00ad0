"""Open-source warehouse management system."""

from wms.kernel_cache import configure as _configure_kernel_cache

__version__ = "0.1.0"

_configure_kernel_cache()  # before any numba kernel is defined: sets where numba caches (reads, never writes)
