#!/usr/bin/env bash
# Set everything up and run the whole test suite (SQLite and PostgreSQL), in parallel on every core.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/services.sh
# shellcheck disable=SC1091
source scripts/setup.sh test
python -m pytest -n "${WMS_TEST_WORKERS:-auto}" "$@"
