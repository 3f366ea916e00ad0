"""Warehouse geometry of ``spec/layout.md``: locations and their pick points.

Pure code: no database, no web. Every coordinate in the project comes from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

SIDES = ("L", "R")

# Non-storage locations every warehouse has; they sit at the depot.
SPECIAL_LOCATIONS = (
    ("RECEIVING", "receiving"),
    ("PACKING", "packing"),
    ("SHIPPING", "shipping"),
    ("QUARANTINE", "quarantine"),
)


@dataclass(frozen=True)
class Layout:
    aisles: int
    aisle_pitch_m: float
    blocks: int
    bays_per_block: int
    bay_width_m: float
    cross_aisle_width_m: float
    levels: int
    depot_x_m: float = 0.0

    def __post_init__(self) -> None:
        for name in ("aisles", "blocks", "bays_per_block", "levels"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.aisle_pitch_m <= 0 or self.bay_width_m <= 0:
            raise ValueError("aisle_pitch_m and bay_width_m must be positive")
        if self.cross_aisle_width_m < 0:
            raise ValueError("cross_aisle_width_m must not be negative")
        if not 0 <= self.depot_x_m <= self.max_x_m:
            raise ValueError(f"depot_x_m must lie between 0 and {self.max_x_m}")

    @property
    def max_x_m(self) -> float:
        return (self.aisles - 1) * self.aisle_pitch_m

    @property
    def bays_per_aisle(self) -> int:
        return self.blocks * self.bays_per_block

    @property
    def block_length_m(self) -> float:
        return self.bays_per_block * self.bay_width_m

    @property
    def storage_location_count(self) -> int:
        return self.aisles * self.bays_per_aisle * self.levels * len(SIDES)

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def aisle_x(self, aisle: int) -> float:
        return (aisle - 1) * self.aisle_pitch_m

    def cross_aisle_y(self, k: int) -> float:
        return k * (self.block_length_m + self.cross_aisle_width_m)

    def cross_aisle_ys(self) -> list[float]:
        return [self.cross_aisle_y(k) for k in range(self.blocks + 1)]

    def bay_y(self, bay: int) -> float:
        block, index = divmod(bay - 1, self.bays_per_block)
        return self.cross_aisle_y(block) + self.cross_aisle_width_m / 2 + (index + 0.5) * self.bay_width_m

    def location_code(self, aisle: int, bay: int, level: int, side: str) -> str:
        wa = max(2, len(str(self.aisles)))
        wb = max(3, len(str(self.bays_per_aisle)))
        wl = max(1, len(str(self.levels)))
        return f"A{aisle:0{wa}d}-B{bay:0{wb}d}-L{level:0{wl}d}-{side}"


@dataclass(frozen=True)
class LocationSpec:
    code: str
    kind: str
    x_m: float
    y_m: float
    aisle: int | None = None
    bay: int | None = None
    level: int | None = None
    side: str | None = None


def storage_locations(layout: Layout) -> Iterator[LocationSpec]:
    """Every storage location, aisle by aisle, bay by bay, level by level, L then R."""
    for aisle in range(1, layout.aisles + 1):
        x = layout.aisle_x(aisle)
        for bay in range(1, layout.bays_per_aisle + 1):
            y = layout.bay_y(bay)
            for level in range(1, layout.levels + 1):
                for side in SIDES:
                    code = layout.location_code(aisle, bay, level, side)
                    yield LocationSpec(code, "storage", x, y, aisle, bay, level, side)


def special_locations(layout: Layout) -> Iterator[LocationSpec]:
    for code, kind in SPECIAL_LOCATIONS:
        yield LocationSpec(code, kind, layout.depot_x_m, 0.0)


def all_locations(layout: Layout) -> Iterator[LocationSpec]:
    yield from special_locations(layout)
    yield from storage_locations(layout)
