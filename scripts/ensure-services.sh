#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis servers the test suite uses are up on this
# machine (127.0.0.1:5432 and 127.0.0.1:6379 unless TEST_DATABASE_URL/TEST_REDIS_URL
# say otherwise): starts them when installed, installs them with apt-get when missing.
# Idempotent: a server that already answers is left alone and nothing is ever stopped.
# A URL naming another host is only checked, never installed or started here.
set -euo pipefail

scripts_dir=$(dirname "$0")
database_url=${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}

say() { echo "ensure-services: $*"; }
fail() { echo "ensure-services: ERROR: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    fail "need root or sudo to run: $*"
  fi
}

# local_port URL DEFAULT_PORT: prints the port when the URL's host is this machine's
# loopback, fails (status 1) for any other host.
local_port() {
  [[ $1 =~ ://([^@/]*@)?(127\.0\.0\.1|localhost)(:([0-9]+))?(/|$) ]] || return 1
  echo "${BASH_REMATCH[4]:-$2}"
}

# Hides the password of a URL before printing it.
redacted() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

# wait_until DESCRIPTION COMMAND...: retries for up to 30 seconds.
wait_until() {
  local description=$1
  shift
  for _ in $(seq 60); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  fail "$description did not come up within 30 seconds"
}

postgres_ready() { pg_isready -q -h 127.0.0.1 -p "$pg_port"; }
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ]; }

# Prints "VERSION NAME" of the Debian cluster configured for the test port.
postgres_cluster() {
  pg_lsclusters --no-header | awk -v port="$pg_port" '$3 == port { print $1, $2; exit }'
}

# pg_ctlcluster ACTION on the test cluster. Run as root it switches to the cluster's
# owner (postgres) itself. Under systemd it hands start/stop to systemctl so the unit
# tracks the server; without systemd (containers) that redirect must be skipped.
postgres_ctl() {
  local action=$1 cluster
  cluster=$(postgres_cluster)
  [ -n "$cluster" ] || fail "no PostgreSQL cluster is configured for port $pg_port (see pg_lsclusters; create one with pg_createcluster)"
  # shellcheck disable=SC2086 # "VERSION NAME" splits into two arguments on purpose
  if [ -d /run/systemd/system ]; then
    as_root pg_ctlcluster $cluster "$action"
  else
    as_root pg_ctlcluster --skip-systemctl-redirect $cluster "$action"
  fi
}

# A cluster Debian has just created only accepts password logins over TCP; the test
# suite logs in as postgres without one, so allow exactly that on loopback. Only done
# for a server this script installed, never for one that was already configured.
allow_passwordless_loopback_login() {
  local cluster hba
  cluster=$(postgres_cluster)
  [ -n "$cluster" ] || fail "installing PostgreSQL created no cluster for port $pg_port"
  hba="/etc/postgresql/${cluster% *}/${cluster#* }/pg_hba.conf"
  say "allowing role postgres to log in from 127.0.0.1 without a password ($hba)"
  as_root sed -i '1i # Added by scripts/ensure-services.sh: the test suite logs in as postgres over loopback.\nhost    all    postgres    127.0.0.1/32    trust' "$hba"
  if postgres_ready 2>/dev/null; then postgres_ctl reload; fi
}

ensure_postgres() {
  if ! pg_port=$(local_port "$database_url" 5432); then
    say "TEST_DATABASE_URL names another host; not managing a local PostgreSQL"
  elif postgres_ready 2>/dev/null; then
    say "PostgreSQL is accepting connections on 127.0.0.1:$pg_port"
  else
    if ! command -v pg_lsclusters >/dev/null 2>&1; then
      "$scripts_dir/apt-install.sh" postgresql || fail "PostgreSQL is not installed and apt-get could not install it"
      allow_passwordless_loopback_login
    fi
    # Installing may already have started it (Debian starts new clusters).
    if ! postgres_ready 2>/dev/null; then
      say "starting PostgreSQL cluster $(postgres_cluster) on port $pg_port"
      postgres_ctl start
    fi
    wait_until "PostgreSQL on 127.0.0.1:$pg_port" postgres_ready
    say "PostgreSQL is accepting connections on 127.0.0.1:$pg_port"
  fi

  # psql speaks libpq URLs, which have no "+driver" part.
  command -v psql >/dev/null 2>&1 || fail "psql is missing, so the login in TEST_DATABASE_URL cannot be checked"
  if ! psql "${database_url/+psycopg/}" --no-password --quiet --tuples-only --command 'select 1' >/dev/null 2>&1; then
    fail "cannot log in with TEST_DATABASE_URL=$(redacted "$database_url").
  Put a working user and password in that URL, or (local server) let the role log in
  over loopback in pg_hba.conf, e.g.: host  all  postgres  127.0.0.1/32  trust"
  fi
  say "logged in with TEST_DATABASE_URL=$(redacted "$database_url")"
}

ensure_redis() {
  if ! redis_port=$(local_port "$redis_url" 6379); then
    say "TEST_REDIS_URL names another host; not managing a local Redis"
    return
  fi
  if command -v redis-cli >/dev/null 2>&1 && redis_ready; then
    say "Redis is answering on 127.0.0.1:$redis_port"
    return
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    "$scripts_dir/apt-install.sh" redis-server || fail "Redis is not installed and apt-get could not install it"
  fi
  # Installing may already have started it (Debian starts the packaged service).
  if ! redis_ready; then
    # A throwaway server for tests: loopback only, nothing persisted to disk.
    say "starting redis-server on 127.0.0.1:$redis_port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >/dev/null
    wait_until "Redis on 127.0.0.1:$redis_port" redis_ready
  fi
  say "Redis is answering on 127.0.0.1:$redis_port"
  # The URL may also carry a password or a database number: check it as the tests will.
  [ "$(redis-cli -u "$redis_url" ping 2>/dev/null)" = PONG ] ||
    fail "Redis does not answer PING at TEST_REDIS_URL=$(redacted "$redis_url")"
}

ensure_postgres
ensure_redis

# nginx is not a service the suite talks to but a binary its deploy and cluster tests run
# (the compose config's `nginx -t`, the balancer in front of the image and the replicas):
# installed here so those tests never skip on a fresh machine, nor depend on test order.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  say "installing Debian's nginx-light for the deploy and cluster tests"
  "$scripts_dir/apt-install.sh" nginx-light
fi
