"""The warm-up compiles every numba kernel, with the argument types the planner really uses.

A fresh interpreter fills a cache folder with the warm-up alone (compiled once
per change of the kernels' source). A second interpreter, on a copy of that
folder, then warms up and plans real waves and routes: it must find everything
in the cache and compile nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import wms.kernel_cache as kc
from wms.kernel_cache import numba_cache_dir

ROOT = Path(__file__).resolve().parents[2]

WARM_UP = r"""
import json
from wms.picking import kernels
kernels.warm_up()
print(json.dumps([f"{d.py_func.__module__.rsplit('.', 1)[1]}.{d.py_func.__qualname__}-{d.py_func.__code__.co_firstlineno}"
                  for d in kernels.dispatchers()]))
"""

PLAN = r"""
import json
import numpy as np
from wms.picking import kernels
warm_up = kernels.warm_up().compiled
from tests.unit.batching_cases import layout, problem
from wms.picking.batching import plan_fcfs, plan_wave
from wms.picking.routing.problem import RoutingProblem
from wms.picking.routing.router import route
rng = np.random.default_rng(1)
for blocks in (1, 2, 3):
    lay = layout(rng, blocks)
    for n_orders in (5, 40):
        p = problem(rng, lay, n_orders)
        plan_wave(p)
        plan_fcfs(p, "s_shape")
        route(RoutingProblem(p.line_aisle, p.line_y, p.layout), "auto")
later = [f"{d.py_func.__qualname__}{sig}" for d in kernels.dispatchers() for sig, n in d.stats.cache_misses.items() if n]
print(json.dumps({"warm_up": warm_up, "compiled_later": later}))
"""


def _python(script: str, cache: Path) -> object:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WMS_NUMBA_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _warm_up_only_cache() -> Path:
    """A cache folder of the warm-up alone, for this exact source of the kernels and the warm-up (kept)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "wms" / "picking").rglob("*.py")):
        digest.update(path.read_bytes())
    folder = numba_cache_dir().parent / f"numba-warm-up-only-{digest.hexdigest()[:16]}"
    for old in folder.parent.glob("numba-warm-up-only-*"):  # another checkout's may be in use: only stale ones
        if old != folder and time.time() - old.stat().st_mtime > 86400:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def test_warm_up_compiles_every_kernel_the_planner_uses(tmp_path: Path) -> None:
    warm_up_only = _warm_up_only_cache()
    kernels = _python(WARM_UP, warm_up_only)
    assert isinstance(kernels, list) and len(kernels) > 50
    cached = {p.name.split(".py3")[0] for p in warm_up_only.rglob("*.nbi")}
    assert sorted(set(kernels) - cached) == []  # every kernel, callees included, has its cache entry

    shutil.copytree(warm_up_only, tmp_path / "cache")
    assert _python(PLAN, tmp_path / "cache") == {"warm_up": 0, "compiled_later": []}


def test_kernel_cache_is_a_per_user_folder_unless_configured(monkeypatch) -> None:
    for var in ("WMS_NUMBA_CACHE_DIR", "NUMBA_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", "/home/ann")
    assert numba_cache_dir() == Path("/home/ann/.cache/wms/numba")
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/ann")
    assert numba_cache_dir() == Path("/var/cache/ann/wms/numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/srv/numba")
    assert numba_cache_dir() == Path("/srv/numba")
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/srv/numba/kernels-0123456789abcdef")  # as a wms parent sets it
    assert numba_cache_dir() == Path("/srv/numba")
    monkeypatch.setenv("WMS_NUMBA_CACHE_DIR", "~/wms-kernels")
    assert numba_cache_dir() == Path("/home/ann/wms-kernels")


def test_kernels_of_another_source_get_their_own_folder_and_old_ones_are_pruned(tmp_path: Path, monkeypatch) -> None:

    sources = tmp_path / "picking"
    (sources / "routing").mkdir(parents=True)
    (sources / "routing" / "kernel.py").write_text("x = 1\n")
    monkeypatch.setattr(kc, "KERNEL_SOURCES", (sources / "routing",))
    monkeypatch.setenv("WMS_NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    first = kc.kernels_dir()
    assert first.parent == tmp_path / "cache" and first == kc.kernels_dir()
    (sources / "routing" / "kernel.py").write_text("x = 2\n")  # a callee changed: numba alone would not notice
    second = kc.kernels_dir()
    assert second != first and second.parent == first.parent
    old, recent = first, first.parent / "kernels-0000000000000000"
    for folder in (old, recent, second):
        folder.mkdir(parents=True)
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(second, (month_ago, month_ago))  # the current one, however old, is in use: kept and marked
    assert kc.prune() == [old]
    assert sorted(p.name for p in second.parent.iterdir()) == sorted([recent.name, second.name])
    assert second.stat().st_mtime > time.time() - 60


def test_every_kernel_is_in_the_sources_the_cache_folder_is_named_by() -> None:
    with_kernels = {p for p in (ROOT / "wms").rglob("*.py") if "@njit" in p.read_text()}
    assert with_kernels and all(any(p.is_relative_to(f) for f in kc.KERNEL_SOURCES) for p in with_kernels)
