#!/usr/bin/env bash
# Lint, format and types in the project's .venv: ruff check, ruff format --check, mypy (configured in pyproject.toml).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source scripts/setup.sh test
ruff check .
ruff format --check .
mypy
lint-imports --no-cache
