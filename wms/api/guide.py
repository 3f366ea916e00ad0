"""The integrator's guide at the top of the OpenAPI document, and the description of every tag."""

from wms.fields import RULES_BEYOND_SCHEMA

EVENTS_TAG = "events and webhooks"

DESCRIPTION = """Warehouse management for ERPs, planners' tools and handheld RF devices: warehouses and their
locations, items and lots, stock and its ledger; orders with review, FEFO allocation, merge and
multi-warehouse split; waves, routes, picking, packing, shipping and returns; events, polled or pushed to
webhooks. JSON over HTTP under `/v1`.

## Quick start

1. An administrator creates a token on the server: `wms keys create --role erp` (the token is the last line).
2. Send it with every request: `Authorization: Bearer <token>`.
3. Push an order with a new `Idempotency-Key`, then follow it through its events:

```sh
curl -X POST "$WMS/v1/orders" -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: $(uuidgen)" \\
     -H "Content-Type: application/json" -d @order.json
curl "$WMS/v1/events?after=0&limit=100" -H "Authorization: Bearer $TOKEN"
```

## Authentication

Every request but `GET /healthz` carries `Authorization: Bearer <token>`. A token has one role and may be
limited to one warehouse (`wms keys create --role ROLE [--warehouse CODE]`):

| role | may |
|---|---|
| `admin` | everything: warehouses, webhooks, and all the others may do (limited to a warehouse: all of it there) |
| `erp` | push items, receipts, orders and order messages; read them, stock, the ledger, shipments and events |
| `planner` | read orders, stock and the floor of its warehouses; change an order's carrier; plan waves and routes; count, move and adjust stock; set pick faces; release pick lists; pack, ship, receive returns |
| `picker` | claim, confirm and deliver pick lists; move stock, record counts, replenish, pack, ship, receive returns |

Each operation lists the roles it admits. No token or an unknown or revoked one is a 401 (`missing_token`,
`invalid_token`); a role the token does not have is a 403 `role_forbidden`. Both come before anything else,
the body's checks included.

A token limited to a warehouse reaches that warehouse only; anything else it names (in the path, a body's
`warehouse` or `order_id`, a `?warehouse=` filter) is a 403 `warehouse_forbidden`, and its lists show that
warehouse only. An order belongs to the warehouses of its live shipments: such a token reads an order with a
shipment in its warehouse (and sees those shipments) and changes one whose shipments are all there; an order
with none yet (under review, unpaid, backordered) or cancelled is in no warehouse. Operations that span every
warehouse (pushing orders and ERP messages, the event stream, webhooks, new warehouses and items) say so and
need a token for every warehouse.

## Idempotency

Every POST accepts an `Idempotency-Key` header (1-255 characters; a UUID per operation is best). Retry a
POST that timed out or failed with a 5xx with the same key and the same body: if the first one was done,
its response comes back again (header `Idempotent-Replayed: true`) and nothing is done twice. The same key
with another body is a 409 `idempotency_key_reused`. Keys are kept per token for 48 hours
(`WMS_IDEMPOTENCY_TTL_HOURS`). Some operations are idempotent by their data as well: an order pushed again
with the same `channel` and `external_id` is the same order (200 instead of 201).

## Errors

Every error answers with one body:

```json
{"error": {"code": "insufficient_stock", "message": "only 3 available, 5 needed",
           "details": {"on_hand": 4, "reserved": 1, "available": 3, "requested": 5}}}
```

Program against `code`; show `message` to people; `details` adds what the code needs (for example what a
scan should have been). The status says what kind of error it is:

| status | meaning | codes, for example |
|---|---|---|
| 400 | malformed request | `malformed_json` (with line and column), `invalid_idempotency_key` |
| 401 / 403 | token missing or not allowed | `missing_token`, `invalid_token`, `role_forbidden`, `warehouse_forbidden` |
| 404 | unknown resource | `warehouse_not_found`, `item_not_found`, `order_not_found`, … |
| 409 | conflicts with the current state | `insufficient_stock`, `illegal_transition`, `idempotency_key_reused`, `item_exists` and other `…_exists` (`details` names what exists), … |
| 415 | a body that is not sent as JSON | `unsupported_media_type` |
| 422 | invalid body or parameter | `validation_error` (`details` lists each problem with `type`, `loc` and `msg`), `invalid_cursor` |
| 503 | the database is not available, with `Retry-After` | `database_unavailable` (nothing was done), `outcome_unknown` (it failed after work was committed: retry with the same `Idempotency-Key`, or look the result up) |

Bodies are JSON sent with `Content-Type: application/json`. Unknown fields in a body and unknown query
parameters are refused (422, `unknown_parameter`), never dropped; quantities are positive integers in the
item's base unit (`3` and `3.0` alike; never `"3"`). A 500 (`internal_error`) is never the caller's fault:
retry later with the same key.

This document states every constraint a JSON Schema can: a request it admits is accepted, one it refuses is
refused. A few rules cannot be written that way (they relate several fields, or depend on what a value
names); a request breaking one is a 422 whose `code`, or for a body's fields whose `details[].type`, is:

{RULES}

## Paging

Lists take `?limit=` (1-500, default 100) and `?cursor=`, and answer `{"items": [...], "next_cursor": ...}`.
Pass `next_cursor` back as `?cursor=` (URL-encoded, it is opaque) with the same filters until it is `null`.

## Events

Whatever an ERP must learn (an order's state, a problem to handle, a shipment that left with its tracking
numbers, a return) is an event, written in the same transaction as the change. Two ways to receive them:

- poll `GET /v1/events?after=<seq>`: `seq` is gapless and in commit order, so keep the last `seq` you
  processed and ask for what follows;
- or register a webhook (`POST /v1/webhooks`, admin): each event is POSTed to your URL, in order, at least
  once, signed with `X-WMS-Signature: t=<unix time>,v1=<HMAC-SHA256(secret, "<t>." + body)>`.

Either way drop an event whose `id` you have seen. Each event type and its payload is in the **webhooks**
section of this document.

## Conventions

Distances are metres (`*_m`), weights kilograms, volumes litres. Times are RFC 3339 strings with an offset
(`2026-11-20T18:00:00Z`), never numbers; dates `YYYY-MM-DD`. Every string field states its characters as a
`pattern`: codes (SKU, lot, warehouse, location, carrier) are ASCII, a SKU has no `/`; no string may hold a
control character, except line breaks and tabs in notes. `GET /openapi.json` is this document; `/docs` and `/redoc` show it and work offline.
""".replace("{RULES}", "\n".join(f"- `{rule}`: {meaning}" for rule, meaning in RULES_BEYOND_SCHEMA.items()))

TAGS = [
    {
        "name": "warehouses",
        "description": "Warehouses and every location of their layout (`layout.md`): "
        "storage locations with pick-point coordinates, and the depot's "
        "RECEIVING, PACKING, SHIPPING and QUARANTINE.",
    },
    {
        "name": "items",
        "description": "Items (SKUs) with shelf-life rule, volume, weight and barcode, and their "
        "lots. Usually pushed by the ERP before the first receipt or order.",
    },
    {
        "name": "stock",
        "description": "Receipts, moves and adjustments; stock on hand per location and lot; the "
        "append-only stock ledger, whose deltas sum to on hand.",
    },
    {
        "name": "cycle counts",
        "description": "Blind counts of a location: start, record, post the variance to the ledger.",
    },
    {
        "name": "orders",
        "description": "Orders pushed by ERPs: intake (one or in bulk), ERP messages (payment, "
        "address, cancel, refund), review problems, cancellation.",
    },
    {
        "name": EVENTS_TAG,
        "description": "The outbox of events, polled in commit order, and webhooks that "
        "receive them pushed and signed. Payloads: see the webhooks section.",
    },
    {
        "name": "waves",
        "description": "Planners release the most urgent allocated orders into a wave of pick "
        "lists: one cart trip each, stops in walking order.",
    },
    {"name": "routes", "description": "The shortest walk from the depot through given locations and back."},
    {
        "name": "picking",
        "description": "Handheld picking: claim a pick list, confirm stops by scan, report "
        "short picks, deliver the cart to packing.",
    },
    {
        "name": "packing, shipping and returns",
        "description": "Packing by scan into labelled parcels, the dock, and goods customers send back.",
    },
    {
        "name": "replenishment",
        "description": "Pick faces with a minimum and maximum, and the handheld tasks "
        "that refill them from reserve stock.",
    },
    {"name": "health", "description": "Liveness, without a token."},
]
