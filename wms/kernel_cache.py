"""Where numba keeps the compiled routing and wave kernels: a per-user cache folder.

Compiling every kernel takes about a minute; loading them from numba's cache
takes well under a second. The cache lives in ``WMS_NUMBA_CACHE_DIR`` (else
numba's own ``NUMBA_CACHE_DIR``, else ``$XDG_CACHE_HOME/wms/numba``, else
``~/.cache/wms/numba``), a folder the user can write to whatever the install
(a plain ``pip install .`` into a read-only prefix included). It must be known
before a kernel is defined, so ``wms/__init__.py`` applies it when the package
is first imported; numba falls back to its own locations if the folder cannot
be written.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def numba_cache_dir() -> Path:
    explicit = os.environ.get("WMS_NUMBA_CACHE_DIR") or os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory (a bare service account)
            base = str(Path(tempfile.gettempdir()) / f"wms-{os.getuid()}")
    return Path(base) / "wms" / "numba"


def configure() -> Path:
    """Point numba (imported or not yet) at the cache folder; returns it."""
    path = numba_cache_dir()
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.config.CACHE_DIR = str(path)
    return path
