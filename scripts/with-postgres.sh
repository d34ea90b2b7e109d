#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster, then removes the cluster.
#   scripts/with-postgres.sh cargo test --features ssr --test api
# The command sees DENGLU_TEST_DATABASE_URL (a superuser URL; each test creates its own database).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries in $PG_BIN (apt-get install postgresql-15)" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/denglu-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# PostgreSQL refuses to run as root: run the cluster as the `postgres` user when we are root.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi

cleanup() {
  "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_owner[@]}" "$PG_BIN/initdb" -D "$dir/data" -U denglu --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c full_page_writes=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

echo "with-postgres: PostgreSQL 15 on 127.0.0.1:$port (removed afterwards)"
export DENGLU_TEST_DATABASE_URL="postgres://denglu@127.0.0.1:$port/postgres"
"$@"
