#!/usr/bin/env bash
# The install users get, tested: a plain `pip install .` of this checkout (no extras, not editable) into a
# fresh virtualenv, then `wms demo` in an empty folder, `wms serve` on a free port, and requests to
# /healthz (timed: it must answer within 5 s), /openapi.json and /docs (no asset from outside the service).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/wms-install-XXXXXX")"
SERVER=""
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "plain pip install . into $WORK/venv"
git clone --quiet "$ROOT" "$WORK/src"  # what is committed, as a user's clone has it
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$WORK/src"
"$WORK/venv/bin/python" -m pip check
export PATH="$WORK/venv/bin:$PATH" WMS_NUMBA_CACHE_DIR="$WORK/numba"  # a user's first run: nothing cached
unset WMS_DATABASE_URL WMS_REDIS_URL VIRTUAL_ENV PYTHONPATH

step "wms demo in an empty folder"
mkdir "$WORK/run" && cd "$WORK/run"
start=$(date +%s.%N)
wms demo
echo "wms demo took $(echo "$(date +%s.%N) - $start" | bc) s (kernels compiled: nothing was cached)"

step "wms serve"
PORT="$("$WORK/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
start=$(date +%s.%N)
WMS_PORT="$PORT" wms serve > "$WORK/serve.log" 2>&1 &
SERVER=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" > "$WORK/health.json"; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve.log"; echo "wms serve died" >&2; exit 1; }
    [ "$(echo "$(date +%s.%N) - $start > 30" | bc)" = 0 ] || { cat "$WORK/serve.log"; exit 1; }
    sleep 0.05
done
took=$(echo "$(date +%s.%N) - $start" | bc)
echo "/healthz answered $(cat "$WORK/health.json") after $took s"
[ "$(echo "$took <= 5" | bc)" = 1 ] || { echo "wms serve took more than 5 s to answer /healthz" >&2; exit 1; }

curl -sf "http://127.0.0.1:$PORT/openapi.json" > "$WORK/openapi.json"
"$WORK/venv/bin/python" - "$WORK/openapi.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["openapi"].startswith("3.") and len(doc["paths"]) > 30, "openapi.json lacks its paths"
print(f"/openapi.json: OpenAPI {doc['openapi']}, {len(doc['paths'])} paths")
PY
curl -sf "http://127.0.0.1:$PORT/docs" > "$WORK/docs.html"
if grep -Eo 'https?://[^"'"'"' )]+' "$WORK/docs.html" | grep -v "127.0.0.1:$PORT"; then
    echo "/docs loads the assets above from outside the service" >&2; exit 1
fi
echo "/docs: served with its own assets"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
echo; echo "the plain install works"
