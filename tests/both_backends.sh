#!/usr/bin/env bash
# `make test`: the suite on SQLite and on a throwaway PostgreSQL at the same time (each run is one
# Python process, mostly one core). SQLite's output streams; PostgreSQL's follows when it is done.
# Fails when either run fails (pytest's "no tests ran" included).
set -uo pipefail
python=$1
shift

log=$(mktemp "${TMPDIR:-/tmp}/shopiq-postgres-tests.XXXXXX")
trap 'rm -f "$log"' EXIT
started=$(date +%s)

bash tests/with_postgres.sh "$python" -m pytest "$@" >"$log" 2>&1 &
postgres_pid=$!

echo "==> test suite on SQLite (the PostgreSQL run goes on alongside; its output follows)"
"$python" -m pytest "$@"
sqlite=$?
wait "$postgres_pid"
postgres=$?

echo "==> test suite on PostgreSQL (exit $postgres; SQLite exit $sqlite; both in $(( $(date +%s) - started )) s)"
cat "$log"
[ "$sqlite" -eq 0 ] && [ "$postgres" -eq 0 ]
