"""Where numba keeps the compiled routing and wave kernels: a per-user cache folder.

Compiling every kernel takes about a minute; loading them from numba's cache
takes well under a second. The cache lives in ``WMS_NUMBA_CACHE_DIR`` (else
numba's own ``NUMBA_CACHE_DIR``, else ``$XDG_CACHE_HOME/wms/numba``, else
``~/.cache/wms/numba``), a folder the user can write to whatever the install
(a plain ``pip install .`` into a read-only prefix included). It must be known
before a kernel is defined, so ``wms/__init__.py`` applies it when the package
is first imported; numba falls back to its own locations if the folder cannot
be written.

Numba notices when a kernel's own file changes, not when a kernel it calls in
another module does: the old machine code would be loaded, stale (wrong
results, or a crash). So the kernels live in a subfolder named by a digest of
every source file of the packages that define them (``wms/picking/routing``
and ``wms/picking/batching``, ``KERNEL_SOURCES``): an upgrade that changes
any of them compiles afresh into a new subfolder, and ``prune`` (at every
warm-up) marks the subfolder in use and removes those unused for ``KEEP_DAYS``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

KERNEL_SOURCES = tuple(Path(__file__).resolve().parent / "picking" / p for p in ("routing", "batching"))
KEEP_DAYS = 14


def numba_cache_dir() -> Path:
    if explicit := os.environ.get("WMS_NUMBA_CACHE_DIR"):
        return Path(explicit).expanduser()
    if explicit := os.environ.get("NUMBA_CACHE_DIR"):
        path = Path(explicit).expanduser()
        return path.parent if path.name.startswith("kernels-") else path  # a wms parent process set it
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory (a bare service account)
            base = str(Path(tempfile.gettempdir()) / f"wms-{os.getuid()}")
    return Path(base) / "wms" / "numba"


def kernels_dir() -> Path:
    """The subfolder of ``numba_cache_dir()`` for this exact source of the kernels (a few ms: 40 files)."""
    digest = hashlib.sha256()
    for folder in KERNEL_SOURCES:
        sources = sorted(folder.rglob("*.py")) or sorted(folder.rglob("*.pyc"))  # sourceless installs: bytecode
        if not sources:
            raise RuntimeError(f"no kernel sources under {folder}")
        for source in sources:
            name = source.relative_to(folder.parent).as_posix()
            digest.update(name.encode() + b"\0" + source.read_bytes())
    return numba_cache_dir() / f"kernels-{digest.hexdigest()[:16]}"


def prune(now: float | None = None) -> list[Path]:
    """Mark this source's subfolder as used now, and remove those of other sources unused for ``KEEP_DAYS``
    (every process that warms up marks its own, so an install still in use keeps its kernels)."""
    current, cutoff = kernels_dir(), (now or time.time()) - KEEP_DAYS * 86400
    if current.is_dir():
        os.utime(current)
    stale = [p for p in current.parent.glob("kernels-*") if p != current and p.stat().st_mtime < cutoff]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def configure() -> Path:
    """Point numba (imported or not yet) at the kernels' cache folder; returns it."""
    path = kernels_dir()
    os.environ["NUMBA_CACHE_DIR"] = str(path)  # child processes inherit it and take its parent as the base
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.config.CACHE_DIR = str(path)
    return path
