"""A live ``wms serve --workers K`` for the day simulation, and the peak memory of its processes (``benchmarks.day``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.soak import Client, free_port


def _proc_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) ``pid`` has used so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds of groups of processes over a span: each group's processes (listed again at every sample,
    so ones that start later count) are read every ``every_s``; a process that ends between two samples
    loses its last slice, so a group's figure is at least what it used."""

    def __init__(self, groups: dict[str, Any], every_s: float = 0.5) -> None:
        self._groups = groups  # name → callable returning the group's pids now
        self._every = every_s
        self._first: dict[tuple[str, int], float] = {}
        self._last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.sample()

    def sample(self) -> None:
        for name, pids in self._groups.items():
            for pid in pids():
                used = cpu_s(pid)
                if used:
                    self._first.setdefault((name, pid), used if not self._thread.is_alive() else 0.0)
                    self._last[(name, pid)] = used

    def stop(self) -> dict[str, float]:
        self.sample()
        self._stop.set()
        totals = dict.fromkeys(self._groups, 0.0)
        for (name, pid), used in self._last.items():
            totals[name] += used - self._first[(name, pid)]
        return {name: round(v, 1) for name, v in totals.items()}


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class LiveServer:
    """``python -m wms serve --workers K`` on ``database_url`` (its own session: stopped as a group); tracks
    the memory of the supervisor and its workers."""

    def __init__(self, database_url: str, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("WMS_")}
        env.update({"WMS_DATABASE_URL": database_url, "WMS_WEBHOOK_RELAY_INTERVAL_S": "0"})
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "wms", "serve", "--port", str(self.port), "--workers", str(workers)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log = log
        self.hwm_kb: dict[int, int] = {}  # pid → VmHWM last seen
        self.rss_peak_kb = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_up(self, timeout: float = 180.0) -> float:
        t0 = time.perf_counter()
        probe = Client(self.base, timeout=5)
        try:
            while time.perf_counter() - t0 < timeout:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"wms serve exited with {self.proc.returncode}; see {self.log}")
                if probe.call("healthz", "GET", "/healthz", record=False)[0] == 200:
                    self._sampler.start()
                    return time.perf_counter() - t0
                time.sleep(0.1)
        finally:
            probe.close()
        raise RuntimeError(f"wms serve did not answer /healthz within {timeout} s; see {self.log}")

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.5)

    def sample(self) -> None:
        rss = 0
        for pid in _proc_tree(self.proc.pid):
            self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), _status_kb(pid, "VmHWM"))
            rss += _status_kb(pid, "VmRSS")
        self.rss_peak_kb = max(self.rss_peak_kb, rss)

    def pids(self) -> list[int]:
        return _proc_tree(self.proc.pid)

    def memory(self) -> dict[str, Any]:
        return {
            "processes": len(self.hwm_kb),
            "sum_vmhwm_mb": round(sum(self.hwm_kb.values()) / 1024, 1),
            "max_vmhwm_mb": round(max(self.hwm_kb.values(), default=0) / 1024, 1),
            "peak_sum_rss_mb": round(self.rss_peak_kb / 1024, 1),
        }

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
