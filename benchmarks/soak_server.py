"""``wms serve`` as a real subprocess, to be killed (SIGKILL) and started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.soak import free_port


class Server:
    """``python -m wms serve`` on ``database_url`` with ``settings`` (WMS_… variables); its output goes to ``log``."""

    def __init__(self, database_url: str, log: Path, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WMS_")},
            "WMS_DATABASE_URL": database_url,
            **settings,
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts: list[float] = []  # seconds from start to /healthz 200, per start

    def start(self, timeout: float = 120.0) -> float:
        """Start it and wait until /healthz answers; returns how long that took."""
        t0 = time.perf_counter()
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "wms", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wms serve exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    self.starts.append(time.perf_counter() - t0)
                    return self.starts[-1]
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"wms serve did not answer /healthz within {timeout} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, open transactions cut off."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
