"""The reader of published order-batching instances (``benchmarks/order_batching.py``): the archive's format,
its mistakes refused, and the mapping onto layout.md's warehouse that the README of the data states."""

from __future__ import annotations

import pytest

from benchmarks.order_batching import DATA, LAYOUT, busy_loops, read_instance, references, to_problem

TEXT = "Order 0\tnumber of articles 2\n0\tAisle 3\tLocation 0\n1\tAisle 18\tLocation 44\nOrder 1\tnumber of articles 1\n0\tAisle 0\tLocation 7\n"


def test_an_instance_is_read_and_mapped_onto_the_layout() -> None:
    orders = read_instance(TEXT)
    assert orders == [[(3, 0), (18, 44)], [(0, 7)]]
    p = to_problem(orders, capacity=45)
    assert p.order_start.tolist() == [0, 2, 3]
    assert p.line_aisle.tolist() == [1, 9, 0]  # file aisles 2-3 are the two sides of pick aisle 1 (0-based)
    assert p.line_y.tolist() == [LAYOUT.bay_y(1), LAYOUT.bay_y(45), LAYOUT.bay_y(8)]
    assert p.priority.tolist() == [0, 1] and p.line_units.tolist() == [1, 1, 1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Order 1\tnumber of articles 1\n0\tAisle 0\tLocation 0\n", "out of sequence"),
        ("Order 0\tnumber of articles 2\n0\tAisle 0\tLocation 0\n", "declares 2 articles and lists 1"),
        ("Order 0\tnumber of articles 1\n0\tShelf 0\tLocation 0\n", "not an order or article line"),
        ("0\tAisle 0\tLocation 0\n", "not an order or article line"),
    ],
)
def test_a_malformed_instance_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_instance(text)


def test_an_article_outside_the_warehouse_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        to_problem([[(20, 0)]])
    with pytest.raises(ValueError, match="outside"):
        to_problem([[(0, 45)]])


def test_the_shipped_instances_and_their_references() -> None:
    ref = references()
    assert len(ref) == 40 and all(float(r["optimal_lower_bound"]) <= float(r["optimal_best"]) for r in ref.values())
    for k in range(10):
        orders = read_instance((DATA / f"70s-100-45-{k}.txt").read_text())
        assert len(orders) == 100
        assert all(5 <= len(o) <= 25 for o in orders)  # the class: 5-25 articles an order
        to_problem(orders)  # every article inside the warehouse


def test_busy_loops_run_during_the_block_and_are_gone_after() -> None:
    with busy_loops(2) as loops:
        assert len(loops) == 2 and all(loop.poll() is None for loop in loops)
    assert all(loop.poll() is not None for loop in loops)
