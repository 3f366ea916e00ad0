"""``wms demo``: a small warehouse run through receiving, putaway, adjustment, a count, orders, a wave,
picking (with a short pick), packing with labels, and shipping."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from wms.config import Settings
from wms.db import UnitOfWork, make_session_factory
from wms.demo_floor import work_the_floor
from wms.inventory import counting, listings
from wms.inventory import repository as repo
from wms.inventory.commands import (
    Adjust,
    CountLine,
    CreateItem,
    CreateWarehouse,
    LayoutIn,
    Move,
    ReceiptLine,
    Receive,
    RecordCount,
    StartCount,
)
from wms.inventory.movements import adjust, move, receive
from wms.inventory.warehouses import create_item, create_warehouse
from wms.orders.commands import Address, OrderLineIn, PushOrder
from wms.orders.services import push_order
from wms.orders.workflow import Policy
from wms.picking.waves import Cart, StartWave, run_planning, start_wave
from wms.views.orders import order_detail
from wms.views.waves import wave_detail
from wms.wiring import install as install_domain_events

CODE = "DEMO"
LAYOUT = LayoutIn(
    aisles=10,
    aisle_pitch_m=3.0,
    blocks=1,
    bays_per_block=20,
    bay_width_m=1.3,
    cross_aisle_width_m=2.0,
    levels=3,
    depot_x_m=0.0,
)
ITEMS = [
    ("MILK-1L", "Milk 1 l", 5),
    ("YOG-500", "Yoghurt 500 g", 3),
    ("CHS-200", "Cheese 200 g", 10),
    ("RICE-1K", "Rice 1 kg", 60),
    ("PASTA-500", "Pasta 500 g", 90),
    ("SOAP-3", "Soap, 3 bars", 0),
    ("TEA-100", "Green tea, 100 bags", 120),
    ("COF-250", "Coffee 250 g", 30),
]
ACTOR = "demo"


def run_demo(settings: Settings, engine: Engine, say: Callable[[str], None]) -> None:
    install_domain_events()
    uow = UnitOfWork(make_session_factory(engine), settings.db_retry_attempts)
    if listings.warehouses(uow, only=CODE, after_id=0, limit=1):
        say(f"warehouse {CODE} exists already at {settings.safe_database_url}; showing its stock")
        _summary(uow, say)
        return
    rng = random.Random(7)
    wh, n = create_warehouse(
        CreateWarehouse(code=CODE, name="Demo warehouse", layout=LAYOUT), uow, settings.max_locations_per_warehouse
    )
    say(f"created warehouse {wh.code}: 10 aisles x 20 bays x 3 levels x 2 sides, {n} locations")
    for sku, name, shelf in ITEMS:
        create_item(CreateItem(sku=sku, name=name, min_shelf_life_days=shelf), uow)
    say(f"created {len(ITEMS)} items: {', '.join(s for s, _, _ in ITEMS)}")

    today = date.today()
    lines, putaways = [], []
    for i, (sku, _, shelf) in enumerate(ITEMS):
        for j in range(2):
            expiry = today + timedelta(days=shelf * 3 + 7 * j + 14) if shelf else None
            lot = f"{sku[:4]}-{i}{j}"
            qty = rng.randint(20, 120)
            lines.append(ReceiptLine(sku=sku, lot=lot, expiry_date=expiry, quantity=qty, location="RECEIVING"))
            bay, level, side = rng.randint(1, 20), rng.randint(1, 3), rng.choice("LR")
            putaways.append((sku, lot, qty, f"A{i + 1:02d}-B{bay:03d}-L{level}-{side}"))
    receipt = receive(Receive(warehouse=CODE, reference="PO-1001", lines=lines), uow, ACTOR)
    say(f"received {receipt.reference}: {len(lines)} lots, {sum(ln.quantity for ln in lines)} units at RECEIVING")

    for sku, lot, qty, loc in putaways:
        move(
            Move(
                warehouse=CODE,
                sku=sku,
                lot=lot,
                quantity=qty,
                from_location="RECEIVING",
                to_location=loc,
                reference="PUTAWAY",
            ),
            uow,
            ACTOR,
        )
    say(f"put away {len(putaways)} lots into storage locations")

    sku, lot, _, loc = putaways[0]
    adjust(Adjust(warehouse=CODE, location=loc, sku=sku, lot=lot, delta=-2, reason="damaged"), uow, ACTOR)
    say(f"adjusted {loc}: 2 x {sku} lot {lot} damaged")

    sku, lot, qty, loc = putaways[3]
    count = counting.start_count(StartCount(warehouse=CODE, location=loc), uow, ACTOR)
    counting.record_count(count.id, RecordCount(lines=[CountLine(sku=sku, lot=lot, quantity=qty - 3)]), uow, ACTOR)
    counting.post_count(count.id, uow, ACTOR)
    say(f"cycle count {count.id} at {loc}: counted {qty - 3} of {qty} {sku}, variance -3 posted")
    _orders(uow, settings, say)
    wave_id = _wave(uow, say)
    work_the_floor(uow, settings, CODE, wave_id, say, Path.cwd() / "demo-labels")
    _summary(uow, say)


def _wave(uow: UnitOfWork, say: Callable[[str], None]) -> int:
    """A wave of the allocated orders, carts of at most 6 units, routed through the aisles."""
    wave_id, n_orders = start_wave(StartWave(warehouse=CODE, cart=Cart(max_units=6)), uow, ACTOR)
    run_planning(uow, wave_id)
    wave = uow.run(lambda u: wave_detail(u.session, wave_id), read_only=True)
    say(
        f"wave {wave_id}: {n_orders} orders in {len(wave['pick_lists'])} pick list(s), "
        f"{wave['total_distance_m']:.1f} m of walking ({wave['method']})"
    )
    for pl in wave["pick_lists"]:
        stops = " -> ".join(f"{st['location']} {st['quantity']}x{st['sku']}" for st in pl["stops"])
        say(f"  pick list {pl['id']} ({pl['distance_m']:.1f} m): depot -> {stops} -> depot")
    return wave_id


def _orders(uow: UnitOfWork, settings: Settings, say: Callable[[str], None]) -> None:
    """Orders from two channels: allocated, merged, unpaid, a problem address, a backorder."""
    policy = Policy.from_settings(settings)
    now = datetime.now(UTC)
    home = Address(name="Ann Lee", line1="1 Main St", city="Springfield", postcode="12345", country="US")
    cases = [
        ("web-1001", "C1", home, True, [("MILK-1L", 2), ("TEA-100", 1)], None),
        ("web-1002", "C1", home, True, [("RICE-1K", 1)], None),  # same customer and address: merged
        ("app-77", "C2", home.model_copy(update={"name": "Bo Chen"}), False, [("COF-250", 1)], None),  # unpaid
        ("app-78", "C3", home.model_copy(update={"postcode": "ABC"}), True, [("SOAP-3", 1)], None),  # bad postcode
        ("web-1003", "C4", home.model_copy(update={"name": "Cy Diaz"}), True, [("PASTA-500", 500)], None),
        ("web-1004", "C5", home.model_copy(update={"name": "Di Egan"}), True, [("YOG-500", 1)], "leave at door"),
    ] + [
        (
            f"web-20{n:02d}",
            f"C{10 + n}",
            home.model_copy(update={"name": f"Customer {n}"}),
            True,
            [(ITEMS[(n * 3 + k) % len(ITEMS)][0], 1 + (n + k) % 2) for k in range(1 + n % 3)],
            None,
        )
        for n in range(1, 11)
    ]
    for ext, customer, address, paid, lines, message in cases:
        cmd = PushOrder(
            external_id=ext,
            channel=ext.split("-")[0],
            customer_id=customer,
            ship_to=address,
            paid=paid,
            promised_ship_by=now + timedelta(days=2),
            carrier="UPS",
            buyer_message=message,
            lines=[OrderLineIn(sku=sku, quantity=q) for sku, q in lines],
        )
        order_id, _ = push_order(cmd, uow, policy, ACTOR)
        detail = uow.run(lambda u: order_detail(u.session, order_id), read_only=True)  # noqa: B023 (called at once)
        where = ", ".join(f"shipment {sh['id']} from {sh['warehouse']}" for sh in detail["shipments"]) or "no shipment"
        problems = f" problems: {', '.join(detail['problems'])}" if detail["problems"] else ""
        if not ext.startswith("web-20"):
            say(f"order {ext}: {detail['status']}, {where}{problems}")
    say("orders web-2001 to web-2010: 10 more paid orders of 1 to 3 lines")


def _summary(uow: UnitOfWork, say: Callable[[str], None]) -> None:
    on_hand, ledger, rows = uow.run(
        lambda u: repo.stock_and_ledger_totals(u.session, repo.warehouse_by_code(u.session, CODE).id), read_only=True
    )
    say(
        f"stock in {CODE}: {on_hand} units on hand; ledger: {rows} rows summing to {ledger}"
        f" ({'agrees' if on_hand == ledger else 'DISAGREES'})"
    )
