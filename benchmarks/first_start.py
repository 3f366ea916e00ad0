"""A user's first start, timed: `wms serve` until /healthz answers, then the first wave, cold and warm.

    python -m benchmarks.first_start            # cold (an empty kernel cache), then warm (the same cache)

Each run gets its own folder (SQLite file, kernel cache) under a temporary directory and its own port.
Cold: nothing cached, as right after `pip install .` when no `wms warmup` ran; a route asked at
once and the wave asked after the stock and orders are in arrive while the kernels compile in the
background, and each waits for what it needs. Warm: the
cache the cold run filled, as on every later start. Prints one line per run, for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

LAYOUT = {
    "aisles": 10,
    "aisle_pitch_m": 3.0,
    "blocks": 2,
    "bays_per_block": 15,
    "bay_width_m": 1.3,
    "cross_aisle_width_m": 2.0,
    "levels": 2,
    "depot_x_m": 0.0,
}
N_ORDERS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stock_and_orders(api: httpx.Client) -> None:
    lines = []
    for k in range(30):
        api.post("/v1/items", json={"sku": f"SKU-{k}", "name": f"Item {k}"}).raise_for_status()
        lines.append(
            {
                "sku": f"SKU-{k}",
                "lot": f"L{k}",
                "expiry_date": None,
                "quantity": 500,
                "location": f"A{k % 10 + 1:02d}-B{k * 7 % 30 + 1:03d}-L1-L",
            }
        )
    api.post("/v1/receipts", json={"warehouse": "WH", "reference": "PO-1", "lines": lines}).raise_for_status()
    ship_by = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    for n in range(N_ORDERS):
        api.post(
            "/v1/orders",
            json={
                "external_id": f"o-{n}",
                "channel": "web",
                "customer_id": f"c-{n}",
                "paid": True,
                "ship_to": {
                    "name": "A",
                    "line1": "1 Main St",
                    "city": "Springfield",
                    "postcode": "12345",
                    "country": "US",
                },
                "promised_ship_by": ship_by,
                "carrier": "UPS",
                "lines": [{"sku": f"SKU-{(n * 3 + j) % 30}", "quantity": 1 + j} for j in range(1 + n % 3)],
            },
        ).raise_for_status()


def run(folder: Path, cache: Path, label: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "WMS_NUMBA_CACHE_DIR": str(cache), "WMS_DATABASE_URL": f"sqlite:///{folder}/wms.db"}
    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "wms", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=5).json()
                break
            except httpx.TransportError:
                time.sleep(0.02)
        healthz_s = time.perf_counter() - started
        out = subprocess.run(
            [sys.executable, "-m", "wms", "keys", "create", "--role", "admin"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        token = out.strip().splitlines()[-1]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as api:
            api.post("/v1/warehouses", json={"code": "WH", "name": "First", "layout": LAYOUT}).raise_for_status()
            t = time.perf_counter()
            api.post(
                "/v1/warehouses/WH/routes", json={"locations": ["A02-B003-L1-L", "A07-B025-L2-R", "A04-B012-L1-R"]}
            ).raise_for_status()
            route_s, route_at = time.perf_counter() - t, t - started
            _stock_and_orders(api)
            kernels_then = httpx.get(f"{base}/healthz").json()["kernels"]
            t = time.perf_counter()
            wave = api.post("/v1/waves", json={"warehouse": "WH", "cart": {"max_orders": 6}})
            wave.raise_for_status()
            wave_s = time.perf_counter() - t
        body = wave.json()
        while httpx.get(f"{base}/healthz").json()["kernels"] == "compiling":  # all in the cache before the next run
            time.sleep(0.05)
        ready_s = time.perf_counter() - started
        print(
            f"{label}: /healthz after {healthz_s:.2f} s ({health['kernels']}); first route (two-block layout) "
            f"{route_s:.2f} s, asked {route_at:.1f} s after start; first wave of "
            f"{len(body['orders'])} orders in {len(body['pick_lists'])} pick lists: {wave_s:.2f} s "
            f"(asked {t - started:.1f} s after start, kernels {kernels_then}); every kernel ready {ready_s:.1f} s "
            "after start",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="wms-first-start-") as tmp:
        root = Path(tmp)
        run(root / "cold", root / "kernels", "cold (nothing cached)")
        run(root / "warm", root / "kernels", "warm (kernels cached)")


if __name__ == "__main__":
    main()
