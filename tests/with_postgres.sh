#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: initdb in a temporary folder, start it on
# a free loopback port, export SHOPIQ_TEST_DATABASE_URL, run the command, stop and delete it.
set -euo pipefail

find_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

if ! INITDB=$(find_bin initdb) || ! PG_CTL=$(find_bin pg_ctl); then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! PostgreSQL binaries (initdb, pg_ctl) not found: SKIPPING the PostgreSQL run. !!!" >&2
  echo "!!! Install PostgreSQL 15 (e.g. apt-get install postgresql) to test on it.      !!!" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  # CI must test on PostgreSQL: a missing server there is a failure, not a skip.
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 0
fi

# initdb and pg_ctl refuse to run as root: run them as the postgres user there.
as_db_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

DATA=$(mktemp -d "${TMPDIR:-/tmp}/shopiq-pg.XXXXXX")
if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  as_db_user "$PG_CTL" -D "$DATA/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

started=$(date +%s)
as_db_user "$INITDB" -D "$DATA/db" -U shopiq --auth=trust -E UTF8 --locale=C >"$DATA/initdb.log" 2>&1 \
  || { cat "$DATA/initdb.log" >&2; exit 1; }
as_db_user "$PG_CTL" -D "$DATA/db" -l "$DATA/db/server.log" -w -t 60 \
  -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$DATA/db/server.log" >&2; exit 1; }
echo "==> PostgreSQL $("$PG_CTL" --version | awk '{print $3}') on 127.0.0.1:$PORT (ready in $(( $(date +%s) - started )) s)"

export SHOPIQ_TEST_DATABASE_URL="postgresql+asyncpg://shopiq@127.0.0.1:$PORT/postgres"
"$@"
