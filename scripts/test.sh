#!/usr/bin/env bash
# The whole suite: unit, API, engine and real-server tests on SQLite; the same without
# the server tests on PostgreSQL when it is reachable (required under CI=true); then the
# browser tests, in a pytest run of their own (Playwright's sync API keeps an event loop
# running in the main thread, which the Reflex state tests cannot share).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PATH="$PWD/.venv/bin:$PATH"
PYTEST=("$PY" -m pytest -q -p no:cacheprovider)

echo "== tests on SQLite"
"${PYTEST[@]}" -m "not browser" tests

if $PY -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then
  echo "== tests on PostgreSQL"
  LUBDUB_TEST_DATABASE=postgresql "${PYTEST[@]}" -m "not server and not browser" tests
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at 127.0.0.1:5432 is not reachable and CI=true: failing" >&2
  exit 1
else
  echo "!! PostgreSQL at 127.0.0.1:5432 is not reachable: SKIPPING the PostgreSQL run" >&2
fi

echo "== browser tests"
"${PYTEST[@]}" -m browser tests
