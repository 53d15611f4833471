#!/usr/bin/env bash
# make loadtest: the bounded load test on 127.0.0.1 against gunicorn, on SQLite and, when
# DATABASE_URL names a PostgreSQL server, on PostgreSQL too (in its own database driverhome_bench_<scale>).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/env.sh
status=0
PG_URL="${DATABASE_URL:-}"
env -u DATABASE_URL "$BENCH_PY" bench/loadtest.py "$@" || status=$?
if [ -n "$PG_URL" ]; then
  DATABASE_URL="$PG_URL" "$BENCH_PY" bench/loadtest.py "$@" || status=$?
fi
exit $status
