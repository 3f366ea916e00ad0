"""The base of every command (what a caller asks a use case for, validated) and the quantities they share.

Commands double as the API's request bodies: unknown fields are refused and a command, once made, does not
change. Each context keeps its own commands (``wms.<context>.commands``) on this base.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from wms.fields import Number, integer

Quantity = Annotated[int, integer(gt=0, le=1_000_000_000), Field(description="Positive integer, base units.")]
PositiveNumber = Annotated[Number, Field(gt=0, le=1e6)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
