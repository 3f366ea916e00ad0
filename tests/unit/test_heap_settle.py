"""A serving process's heap settles once it has started (``wms.heap``): its objects of that moment are frozen,
what it makes afterwards is still collected, and only processes that ask for it (``wms serve``) freeze
anything. Each case runs in a fresh interpreter: freezing the test process would keep its objects forever."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def _run(code: str, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_settle_freezes_what_lives_now_and_later_cycles_are_still_collected(tmp_path: Path) -> None:
    out = _run(
        """
        import gc, weakref
        from wms.heap import settle

        class Node:
            pass

        frozen = settle()
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle made after the freeze
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        print(frozen > 1000, gone() is None)
        """,
        tmp_path,
    )
    assert out == "True True"


def test_only_a_serving_app_settles_its_heap(tmp_path: Path) -> None:
    out = _run(
        f"""
        import gc
        from fastapi.testclient import TestClient
        from wms.api.app import create_app
        from wms.config import Settings
        from wms.db import make_engine
        from wms.migrate import upgrade

        settings = Settings(database_url="sqlite:///{tmp_path}/wms.db", webhook_relay_interval_s=0)
        upgrade(make_engine(settings))

        def started(settle_heap):
            app = create_app(settings, settle_heap=settle_heap)
            with TestClient(app) as client:
                assert client.get("/healthz").status_code == 200
                app.state.kernels.wait()
                settled = app.state.heap_settled.wait(240) if settle_heap else app.state.heap_settled.is_set()
            return settled, gc.get_freeze_count()

        print(*started(False), *started(True))
        """,
        tmp_path,
    )
    plain_settled, plain_frozen, serving_settled, serving_frozen = out.split()
    assert (plain_settled, plain_frozen) == ("False", "0")
    assert serving_settled == "True" and int(serving_frozen) > 10_000
