#!/usr/bin/env bash
# Set up, build the demo warehouse (wms demo), create an admin token and run the service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source scripts/setup.sh
wms demo
echo
echo "An admin token for trying the API (send it as 'Authorization: Bearer <token>'):"
wms keys create --role admin | tail -n 1
echo
echo "Serving on http://127.0.0.1:${WMS_PORT:-8000} (API docs at /docs); Ctrl-C stops it."
exec wms serve --host 127.0.0.1 --port "${WMS_PORT:-8000}"
