#!/usr/bin/env bash
# The whole suite: unit, API and engine tests on SQLite, again on PostgreSQL when it
# is reachable (required under CI=true), then the real-server and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PATH="$PWD/.venv/bin:$PATH"

echo "== tests on SQLite"
$PY -m pytest -q -p no:cacheprovider tests

if $PY -c "import psycopg,sys; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=test', connect_timeout=3).close()" 2>/dev/null; then
  echo "== tests on PostgreSQL"
  LUBDUB_TEST_DATABASE=postgresql $PY -m pytest -q -p no:cacheprovider -m "not server and not browser" tests
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL at 127.0.0.1:5432 is not reachable and CI=true: failing" >&2
  exit 1
else
  echo "!! PostgreSQL at 127.0.0.1:5432 is not reachable: SKIPPING the PostgreSQL run" >&2
fi
