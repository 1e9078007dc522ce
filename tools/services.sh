#!/usr/bin/env bash
# Makes sure the services the tests talk to are answering: PostgreSQL and Redis at the
# URLs in REGWATCH_TEST_POSTGRES_URL / REGWATCH_TEST_REDIS_URL. When one does not answer on
# this machine's loopback and we may (root, Debian), it is installed and started from
# Debian's packages; otherwise we stop and say what is missing.
set -euo pipefail

pg_url=${REGWATCH_TEST_POSTGRES_URL:-postgresql+psycopg://127.0.0.1:5432/test}
redis_url=${REGWATCH_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}

hostport() {  # scheme://[user@]host[:port]/... -> "host port"
  local rest=${1#*://}; rest=${rest%%/*}; rest=${rest##*@}
  local host=${rest%%:*} port=${rest##*:}
  [ "$port" = "$rest" ] && port=$2
  echo "$host" "$port"
}

may_manage() {  # only local services, only as root on a Debian-like machine
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [[ $1 == 127.* || $1 == localhost ]]
}

answers() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}

wait_for() {
  for _ in $(seq 1 30); do answers "$1" "$2" && return 0; sleep 1; done
  return 1
}

ensure_postgres() {
  read -r host port < <(hostport "$pg_url" 5432)
  answers "$host" "$port" && return 0
  may_manage "$host" || { echo "PostgreSQL is not answering at $host:$port (REGWATCH_TEST_POSTGRES_URL): start it, or run make test as root on Debian to have it installed" >&2; exit 1; }
  echo "starting PostgreSQL from Debian's packages" >&2
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  local version; version=$(ls /etc/postgresql | sort -V | tail -n1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for "$host" "$port" || { echo "PostgreSQL did not come up on $host:$port" >&2; exit 1; }
  su postgres -c "psql -qc \"DO \\\$\\\$BEGIN CREATE ROLE root SUPERUSER LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END\\\$\\\$\"" || true
  su postgres -c "createdb -O root test" 2>/dev/null || true
}

ensure_redis() {
  read -r host port < <(hostport "$redis_url" 6379)
  answers "$host" "$port" && return 0
  may_manage "$host" || { echo "Redis is not answering at $host:$port (REGWATCH_TEST_REDIS_URL): start it, or run make test as root on Debian to have it installed" >&2; exit 1; }
  echo "starting Redis from Debian's packages" >&2
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
  wait_for "$host" "$port" || { echo "Redis did not come up on $host:$port" >&2; exit 1; }
}

ensure_postgres
ensure_redis
