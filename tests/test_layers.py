"""The code's shape cannot rot: import-linter checks the contracts in pyproject.toml ([tool.importlinter]).

The contexts depend one way (the read models of wms.views above them all; jobs; picking | shipping; orders;
allocation; inventory; batches), the infrastructure imports no context, the pure cores import no database
or web code, no context imports the web layer, the API schemas follow the contexts' order, and each
context's tables are its own: no other package imports a context's ``orm.py`` (but ``wms.models``, which
gathers every table for Alembic).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout
