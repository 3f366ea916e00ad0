#!/usr/bin/env bash
# Set up (and compile the kernels once), build the demo warehouse (wms demo), create an admin token and
# run the service on WMS_HOST:WMS_PORT (default 127.0.0.1:8000).
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
exec wms serve
