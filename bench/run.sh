#!/usr/bin/env bash
# make bench [SCALE=beilun|province|smoke|<drivers>]: build bench/.venv, generate data, run every benchmark.
# With DATABASE_URL set (postgres://...), the suite runs on PostgreSQL in its own database driverhome_bench_<scale>.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/env.sh
SCALE="${1:-${SCALE:-beilun}}"
[ $# -gt 0 ] && shift
exec "$BENCH_PY" bench/run.py --scale "$SCALE" "$@"
