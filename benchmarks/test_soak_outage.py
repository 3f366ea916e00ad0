"""The database dropped and restored under load: 503 with Retry-After meanwhile, nothing lost, nothing phantom.

A live server on PostgreSQL whose database URL goes through ``tests/tcp_proxy.py``
(the shared server itself is never touched). ``WMS_SOAK_OUTAGE_CLIENTS`` (8) client
processes push new orders and read orders on keep-alive connections for
``WMS_SOAK_OUTAGE_S`` (30) seconds; after a third of it the proxy is cut (every
database connection closed, new ones refused) for ``WMS_SOAK_OUTAGE_CUT_S`` (5) s
and then restored. Reported and checked:

* the answers while the database was gone: only 503 ``database_unavailable`` or
  ``outcome_unknown`` with ``Retry-After`` (or a 2xx), no 500, none unanswered;
* connections the server closed or dropped: 0 (each client connects once);
* the time from the restore to the first 2xx;
* every order answered 201/200 exists exactly once, and no order answered 503
  ``database_unavailable`` exists; an order answered 503 ``outcome_unknown`` (its
  COMMIT went out, or it committed and could not be read back) may exist and is counted;
* then every order answered 503 is sent again with its key (409 while a lease runs):
  afterwards each order exists exactly once.

    python -m pytest benchmarks/test_soak_outage.py -q -s
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.conftest import ORDER_SEED, Templates
from benchmarks.generate import make_orders
from benchmarks.soak import knob, load, report, summarize
from benchmarks.soak_clients import outage_client
from tests.invariants import assert_reservations_consistent, assert_stock_invariants
from tests.live_server import live_server
from tests.tcp_proxy import TcpProxy
from wms.auth.keys import create_key
from wms.db import make_engine

CLIENTS = int(knob("WMS_SOAK_OUTAGE_CLIENTS", 8))
DURATION_S = knob("WMS_SOAK_OUTAGE_S", 30.0)
CUT_S = knob("WMS_SOAK_OUTAGE_CUT_S", 5.0)
LEASE_S = 5.0  # WMS_IDEMPOTENCY_LEASE_S of the server: how long a retry of an unknown commit waits
PER_CLIENT = 2000  # more than a client can push in the run


def _orders_in_db(db: Any) -> dict[str, int]:
    with db.engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT external_id, count(*) FROM orders WHERE external_id LIKE 'OUT%' GROUP BY external_id")
            ).all()
        )


def _settle(base: str, token: str, bodies: list[dict[str, Any]]) -> dict[str, int]:
    """What a client does with its 503s once the database is back: the same request with the same key until
    it answers (409 in progress while a first attempt's lease runs). Answers by status."""

    def one(body: dict[str, Any]) -> int:
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": f"outage-{body['external_id']}",
            "Content-Type": "application/json",
        }
        with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
            for _ in range(200):
                r = c.post("/v1/orders", content=json.dumps(body))  # the same bytes as the first attempt
                if r.status_code in (200, 201):
                    return r.status_code
                assert r.status_code in (409, 503), r.text
                time.sleep(0.25)
        raise AssertionError(
            f"{body['external_id']}: no answer after 200 retries; the last: {r.status_code} "
            f"{r.headers.get('retry-after')} {r.text}"
        )

    with ThreadPoolExecutor(8) as pool:
        return dict(Counter(pool.map(one, bodies)))


def test_database_dropped_and_restored(templates: Templates, world: dict[str, Any]) -> None:
    db = templates.fresh("postgresql")
    token = create_key(db.uow(), "erp")[1]
    url = make_url(db.settings.database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    settings = db.settings.model_copy(
        update={
            "database_url": url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            "webhook_relay_interval_s": 0,
            "idempotency_lease_s": LEASE_S,
        }
    )
    engine = make_engine(settings)
    orders = [make_orders(world, PER_CLIENT, seed=ORDER_SEED + 1 + k, prefix=f"OUT{k}") for k in range(CLIENTS)]
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    load_before = load()
    quiet = logging.getLogger("wms.api.failures")  # one warning per 503 otherwise; a 500 is still logged
    level, _ = quiet.level, quiet.setLevel(logging.ERROR)
    try:
        with live_server(settings, engine) as base:
            t_start = time.time() + 1
            deadline = t_start + DURATION_S
            procs = [
                ctx.Process(
                    target=outage_client, args=(base, token, k, orders[k], start, deadline, results), daemon=True
                )
                for k in range(CLIENTS)
            ]
            for p in procs:
                p.start()
            time.sleep(max(0.0, t_start - time.time()))
            start.set()
            time.sleep(DURATION_S / 3)
            proxy.cut()
            cut_at = time.time()
            time.sleep(CUT_S)
            proxy.restore()
            restored_at = time.time()
            got = [results.get(timeout=DURATION_S + 300) for _ in range(CLIENTS)]
            for p in procs:
                p.join(30)
            pushed = [p for g in got for p in g["pushed"]]
            before_retry = _orders_in_db(db)
            bodies = {o["external_id"]: o for batch in orders for o in batch}
            settled = _settle(base, token, [bodies[e] for e, s, _, _ in pushed if s == 503])
    finally:
        quiet.setLevel(level)
        proxy.close()
        engine.dispose()
    calls = [c for g in got for c in g["calls"]]
    during = [c for c in calls if cut_at <= c.at <= restored_at]
    after = sorted(c.at for c in calls if c.at > restored_at and 200 <= c.status < 300)
    outage = Counter(f"{c.status} {c.code or ''}".strip() + (" +Retry-After" if c.retry_after else "") for c in during)
    answered = {e: i for e, s, _, i in pushed if s in (200, 201)}
    refused = [e for e, s, code, _ in pushed if s == 503 and code == "database_unavailable"]
    unknown = [e for e, s, code, _ in pushed if s == 503 and code == "outcome_unknown"]
    phantom = [e for e in refused if e in before_retry]
    lost = [e for e in answered if before_retry.get(e) != 1]
    in_db = _orders_in_db(db)
    summary = summarize(calls)
    figures = {
        "clients": CLIENTS,
        "seconds": DURATION_S,
        "cut_s": round(restored_at - cut_at, 1),
        "answers_during_outage": dict(outage.most_common()),
        "restore_to_first_2xx_s": round(after[0] - restored_at, 2) if after else None,
        "connects_per_client": sorted(g["connects"] for g in got),
        "dropped": sum(g["dropped"] for g in got),
        "orders_answered_2xx": len(answered),
        "orders_answered_503_database_unavailable": len(refused),
        "orders_answered_503_outcome_unknown": len(unknown),
        "of_these_committed": sum(e in before_retry for e in unknown),
        "phantom": phantom[:10],
        "lost_or_doubled": lost[:10],
        "retried_with_same_key": settled,
        "orders_in_db_after_retries": len(in_db),
        "5xx_not_503": sum(c.status >= 500 and c.status != 503 for c in calls),
        "load_before": load_before,
        "load_after": load(),
    }
    report("outage-postgresql", figures, summary)
    assert all(
        c.status == 503
        and c.code in ("database_unavailable", "outcome_unknown")
        and c.retry_after
        or 200 <= c.status < 300
        for c in during
    ), outage
    assert figures["5xx_not_503"] == 0 and figures["dropped"] == 0
    assert all(g["connects"] == 1 for g in got), figures["connects_per_client"]
    assert after, "no 2xx after the database came back"
    assert not phantom and not lost, (phantom, lost)
    assert set(before_retry) <= set(answered) | set(unknown)  # nothing without a 2xx or "unknown" answer got in
    assert len(in_db) == len(pushed) and set(in_db.values()) == {1}  # after the retries: each order once
    assert_stock_invariants(db.engine)
    assert_reservations_consistent(db.engine)
    db.close()
