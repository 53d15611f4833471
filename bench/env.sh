# Sourced by bench/run.sh and bench/loadtest.sh: build bench/.venv once (again when the pins change).
# The platform plus django-import-export and django-helpdesk, which live only here.
BENCH_VENV=bench/.venv
BENCH_PY="$BENCH_VENV/bin/python"
BENCH_STAMP="$BENCH_VENV/.installed"
if [ ! -x "$BENCH_PY" ] || [ pyproject.toml -nt "$BENCH_STAMP" ] || [ bench/requirements.txt -nt "$BENCH_STAMP" ]; then
  echo "[bench] building $BENCH_VENV"
  python3 -m venv "$BENCH_VENV"
  "$BENCH_PY" -m pip install --quiet --disable-pip-version-check -e . -r bench/requirements.txt
  # django-helpdesk's templates load bootstrap5form; its metadata still says Django<4, so no deps.
  "$BENCH_PY" -m pip install --quiet --disable-pip-version-check --no-deps django-bootstrap5-form==5.0.2
  touch "$BENCH_STAMP"
fi
export PYTHONUNBUFFERED=1
