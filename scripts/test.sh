#!/usr/bin/env bash
# The whole suite, in layers:
#   1. unit, API, engine, migration and real-server tests (outages, several workers) on SQLite;
#   2. the same without the server tests on PostgreSQL;
#   3. the browser tests, in a pytest run of their own (Playwright's sync API keeps an
#      event loop running in the main thread, which the Reflex state tests cannot share).
# It first brings up what it can (scripts/test-prerequisites.sh) and ends with a loud
# line naming every layer that could not run; under CI=true that line fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PATH="$PWD/.venv/bin:$PATH"
PYTEST=("$PY" -m pytest -q -p no:cacheprovider -rs)

# shellcheck source=scripts/test-prerequisites.sh
source scripts/test-prerequisites.sh
ensure_test_prerequisites
# The scale-out test uses it on the SQLite run too.
export LUBDUB_POSTGRES_URL="$POSTGRES_TEST_URL"

started=$SECONDS
layer() { echo; echo "== $1 ($((SECONDS - started)) s so far)"; }
failed=0

layer "tests on SQLite, real-server tests included"
"${PYTEST[@]}" -m "not browser" tests || failed=1

if [ "$POSTGRES_READY" = true ]; then
  layer "tests on PostgreSQL"
  LUBDUB_TEST_DATABASE=postgresql "${PYTEST[@]}" -m "not server and not browser" tests || failed=1
fi

layer "browser tests"
"${PYTEST[@]}" -m browser tests || failed=1

echo
echo "== done in $((SECONDS - started)) s"
if [ ${#SKIPPED_LAYERS[@]} -gt 0 ]; then
  summary="$(IFS=';'; echo "${SKIPPED_LAYERS[*]}")"
  echo "!! SKIPPED LAYERS: ${summary//;/, }" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "!! CI=true: every layer must run" >&2
    exit 1
  fi
fi
exit $failed
