"""The command line as a newcomer uses it: demo, keys, serve."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

# the embedded default: no WMS_ settings at all
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("WMS_")}


def wms(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wms", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**CLEAN_ENV, **env},
        timeout=120,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def test_demo_builds_a_warehouse_in_the_working_directory(workdir: Path) -> None:
    out = wms("demo", cwd=workdir)
    assert out.returncode == 0, out.stderr
    assert "created warehouse DEMO" in out.stdout and "(agrees)" in out.stdout
    assert (workdir / "wms.db").exists()
    assert "short pick at" in out.stdout and "their orders are shipped" in out.stdout
    [label] = (workdir / "demo-labels").glob("label-*.pdf")
    assert label.read_bytes().startswith(b"%PDF") and label.with_suffix(".zpl").read_text().startswith("^XA")
    again = wms("demo", cwd=workdir)
    assert again.returncode == 0 and "exists already" in again.stdout and "(agrees)" in again.stdout


def test_keys_create_prints_a_working_token_last(workdir: Path) -> None:
    wms("demo", cwd=workdir)
    out = wms("keys", "create", "--role", "picker", "--warehouse", "DEMO", cwd=workdir)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("wms_") and " " not in token
    bad = wms("keys", "create", "--role", "boss", cwd=workdir)
    assert bad.returncode != 0 and "role" in bad.stderr
    unknown = wms("keys", "create", "--role", "picker", "--warehouse", "NOPE", cwd=workdir)
    assert unknown.returncode != 0 and "NOPE" in unknown.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_creates_the_schema_and_says_how_to_get_a_token(workdir: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wms", "serve", "--port", str(port)],
        cwd=workdir,
        env=CLEAN_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/v1/stock").status_code == 401
        token = wms("keys", "create", "--role", "admin", cwd=workdir).stdout.strip().splitlines()[-1]
        r = httpx.get(f"http://127.0.0.1:{port}/v1/warehouses", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "wms keys create --role admin" in output


def test_a_busy_port_fails_at_once_and_says_how_to_choose_another(workdir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for out in (wms("serve", "--port", port, cwd=workdir), wms("serve", cwd=workdir, WMS_PORT=port)):
            assert out.returncode == 2
            assert out.stderr.strip() == (
                f"error: port {port} on 127.0.0.1 is already in use (another wms serve?); "
                "choose another with --port or WMS_PORT"
            )
    assert not (workdir / "wms.db").exists()  # refused before touching the database


def test_served_connections_send_at_once() -> None:
    """Every accepted connection has Nagle's algorithm off: with it on, an answer written in two parts
    (uvicorn writes head and body apart) waits ~40 ms for the client's delayed ACK on every kept-alive
    request. asyncio sets TCP_NODELAY only on sockets whose protocol is IPPROTO_TCP, which they inherit
    from the listening socket ``wms serve`` makes (and passes to every worker)."""
    from wms.cli import _listen

    async def accepted_nodelay(listener: socket.socket) -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            try:
                return await asyncio.wait_for(seen, 10)
            finally:
                writer.close()

    listener = _listen("127.0.0.1", 0)
    assert listener.proto == socket.IPPROTO_TCP
    assert asyncio.run(accepted_nodelay(listener)) != 0


@pytest.mark.parametrize(
    "url, reason",
    [
        ("postgresql+psycopg://clerk:s3cret@127.0.0.1:1/wms", "Connection refused"),
        ("sqlite:////no/such/folder/wms.db", "unable to open database file"),
        ("mysql://clerk:s3cret@127.0.0.1/wms", "its driver is not installed"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line_with_the_password_hidden(
    workdir: Path, url: str, reason: str
) -> None:
    for command in (("migrate",), ("serve", "--port", str(_free_port())), ("keys", "create", "--role", "admin")):
        out = wms(*command, cwd=workdir, WMS_DATABASE_URL=url)
        assert out.returncode == 1
        [line] = out.stderr.strip().splitlines()
        assert line.startswith("error: cannot use the database ") and reason in line
        assert "s3cret" not in out.stderr + out.stdout and "Traceback" not in out.stderr


def test_a_bad_setting_names_the_variable(workdir: Path) -> None:
    out = wms("serve", cwd=workdir, WMS_PORT="eighty")
    assert out.returncode == 2 and out.stderr.startswith("error: setting WMS_PORT: ")
    out = wms("migrate", cwd=workdir, WMS_CARRIER_RULES="[oops")
    assert out.returncode == 2 and out.stderr.startswith("error: setting WMS_CARRIER_RULES cannot be read: ")
    assert len(out.stderr.strip().splitlines()) == 1


def test_warmup_loads_the_kernels_from_the_per_user_cache(workdir: Path) -> None:
    out = wms("warmup", cwd=workdir)
    assert out.returncode == 0, out.stderr
    assert (
        out.stdout.strip()
        .splitlines()[-1]
        .startswith("routing and wave kernels loaded from " + os.environ["NUMBA_CACHE_DIR"])
    )
