#!/usr/bin/env bash
# Create .venv (if missing), install the project into it, editable, with EXTRAS, and compile the
# routing and wave kernels into the per-user cache (about a minute once per install, then about a second).
# Usage: source scripts/setup.sh [extras]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"
PY="${PYTHON:-python3}"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
    "$PY" -m venv "$ROOT/.venv"
fi
# shellcheck disable=SC1091
. "$ROOT/.venv/bin/activate"
STAMP="$ROOT/.venv/.installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
    echo "installing wms${EXTRAS:+[$EXTRAS]} into .venv"
    python -m pip install --quiet --disable-pip-version-check -e "$ROOT${EXTRAS:+[$EXTRAS]}"
    touch "$STAMP"
fi
wms warmup
