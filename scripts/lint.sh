#!/usr/bin/env bash
# Lint, format and types in the project's .venv: ruff check, ruff format --check, mypy (configured in pyproject.toml),
# the import contracts (lint-imports), and that the benchmarks still import.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source scripts/setup.sh test
ruff check .
ruff format --check .
mypy
lint-imports --no-cache
# the on-demand benchmarks are not in the default test run: at least they must import (a renamed function
# would otherwise break them unnoticed)
python -m pytest benchmarks --collect-only -q -p no:randomly > /dev/null
