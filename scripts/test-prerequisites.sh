# Sourced by scripts/test.sh (and so by `make test` and .ci/run): bring up what the
# test layers need where this machine allows it, then record which layers cannot run.
#
#   ensure_test_prerequisites   start the local PostgreSQL cluster if it is installed but
#                               stopped, create the test database, install chromium as root
#                               when missing (and, under CI=true, start the shared Redis)
#   SKIPPED_LAYERS              array of "layer (reason)" for every layer that cannot run
#   POSTGRES_READY              true when the PostgreSQL run can go ahead
#
# Nothing here stops or reconfigures a service that is already running.

SKIPPED_LAYERS=()
POSTGRES_READY=false
POSTGRES_TEST_URL="${LUBDUB_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
CHROMIUM_PATH="${LUBDUB_CHROMIUM:-/usr/bin/chromium}"

_is_root() { [ "$(id -u)" = "0" ]; }

_postgres_reachable() {
  "$PY" - "$POSTGRES_TEST_URL" <<'EOF' 2>/dev/null
import sys
import psycopg
from sqlalchemy.engine import make_url
url = make_url(sys.argv[1])
psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                password=url.password, dbname="postgres", connect_timeout=3).close()
EOF
}

_create_postgres_test_database() {
  "$PY" - "$POSTGRES_TEST_URL" <<'EOF'
import sys
import psycopg
from sqlalchemy.engine import make_url
url = make_url(sys.argv[1])
with psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                     password=url.password, dbname="postgres", autocommit=True, connect_timeout=3) as conn:
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone() is None:
        conn.execute(f'CREATE DATABASE "{url.database}"')
        print(f"created PostgreSQL database {url.database}")
EOF
}

_start_local_postgres() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  local version cluster port status
  while read -r version cluster port status _; do
    if [ "$status" = "down" ]; then
      echo "== starting the local PostgreSQL cluster $version/$cluster (port $port)"
      pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true
    fi
  done < <(pg_lsclusters --no-header 2>/dev/null)
}

_install_chromium() {
  if _is_root && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (apt-get install -y chromium)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || true
  fi
}

_can_mount_tmpfs() {
  _is_root || return 1
  local probe
  probe="$(mktemp -d)"
  if mount -t tmpfs -o size=1m tmpfs "$probe" 2>/dev/null; then
    umount "$probe"
    rmdir "$probe"
    return 0
  fi
  rmdir "$probe"
  return 1
}

ensure_test_prerequisites() {
  if ! _postgres_reachable; then
    _start_local_postgres
    for _ in 1 2 3 4 5 6 7 8 9 10; do _postgres_reachable && break; sleep 1; done
  fi
  if _postgres_reachable; then
    if _create_postgres_test_database; then
      POSTGRES_READY=true
    else
      SKIPPED_LAYERS+=("postgresql (cannot create the test database)")
    fi
  elif ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    SKIPPED_LAYERS+=("postgresql (installed, but nothing answers at ${POSTGRES_TEST_URL#*@})")
  else
    SKIPPED_LAYERS+=("postgresql (not installed)")
  fi
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    SKIPPED_LAYERS+=("postgresql outage tests (no PostgreSQL server binaries to start a private cluster)")
  elif _is_root && ! id postgres >/dev/null 2>&1; then
    SKIPPED_LAYERS+=("postgresql outage tests (running as root and no postgres user to own a private cluster)")
  fi

  if [ ! -x "$CHROMIUM_PATH" ]; then
    _install_chromium
  fi
  [ -x "$CHROMIUM_PATH" ] || SKIPPED_LAYERS+=("browser (no chromium at $CHROMIUM_PATH)")

  command -v redis-server >/dev/null 2>&1 || SKIPPED_LAYERS+=("several workers with Redis (redis-server not installed)")
  if [ "${CI:-}" = "true" ] && command -v redis-server >/dev/null 2>&1 \
      && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi

  _can_mount_tmpfs || SKIPPED_LAYERS+=("full-disk test (cannot mount a tmpfs: needs root)")
}
