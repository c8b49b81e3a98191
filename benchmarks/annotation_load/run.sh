#!/usr/bin/env bash
# The annotation load test, end to end: setup (built once, then only reset), gunicorn,
# a warm-up, 60 s with a 1 s pause, the invariant check, 60 s with no pause, the check
# again, gunicorn stopped. Every step has a time limit; the whole stops by itself.
#
#   bash benchmarks/annotation_load/run.sh
#
# Knobs (environment): DATABASE_URL, PORT (8055), WORKER_CLASS (gthread), WORKERS (4),
# THREADS (2), ANNOTATORS (200), DURATION (60), PAUSE (1.0), GUNICORN_ARGS (extra options).
set -euo pipefail
cd "$(dirname "$0")/../.."

HERE=benchmarks/annotation_load
OUT=$HERE/out
PY=.venv/bin/python
PORT=${PORT:-8055}
WORKER_CLASS=${WORKER_CLASS:-gthread}
WORKERS=${WORKERS:-4}
THREADS=${THREADS:-2}
ANNOTATORS=${ANNOTATORS:-200}
DURATION=${DURATION:-60}
PAUSE=${PAUSE:-1.0}

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rankwise_load}
# Production-like settings; the secret only has to exist for DEBUG=false.
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY=annotation-load-test-dummy-secret-key-not-for-production-0123456789
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_SECURE_COOKIES=false
export DJANGO_LOG_LEVEL=warning
# Keep each thread's database connection for the whole run, as a deployment would.
export DATABASE_CONN_MAX_AGE=${DATABASE_CONN_MAX_AGE:-600}

mkdir -p "$OUT"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is taken: set PORT" >&2
    exit 2
fi

# Other work on the machine skews every number: say how busy it was before we started.
busy() {
    local a b
    a=($(head -1 /proc/stat)); sleep 3; b=($(head -1 /proc/stat))
    local total=0 idle=$(( (b[4] + b[5]) - (a[4] + a[5]) ))
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( 100 * (total - idle) / total ))
}
echo "== code: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- annotation config \
    || echo ' with uncommitted changes in annotation/ or config/')"
echo "== machine CPU busy before the run (other work): $(busy) %"

echo "== setup"
timeout 900 "$PY" "$HERE/setup.py"

echo "== gunicorn: $WORKER_CLASS, $WORKERS workers × $THREADS threads on :$PORT"
# keep-alive above the pause, so an annotator's connection survives between its requests.
timeout 900 .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" \
    --worker-class "$WORKER_CLASS" --workers "$WORKERS" --threads "$THREADS" \
    --config python:config.gunicorn --keep-alive 5 --timeout 60 --log-level warning \
    ${GUNICORN_ARGS:-} >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    kill -0 "$GUNICORN" 2>/dev/null || { cat "$OUT/gunicorn.log" >&2; exit 1; }
    sleep 0.5
done

loadgen() {
    # vmstat beside each run: a latency spike next to a run queue, iowait or steal spike
    # points at the machine, not the code.
    local label=${*: -1}
    vmstat -t 1 >"$OUT/$label-vmstat.log" 2>&1 &
    local vmstat=$! rc=0
    timeout $((DURATION + 120)) "$PY" "$HERE/loadgen.py" --url "http://127.0.0.1:$PORT" \
        --annotators "$ANNOTATORS" --gunicorn-pid "$GUNICORN" --database-url "$DATABASE_URL" "$@" || rc=$?
    kill "$vmstat" 2>/dev/null || true
    return "$rc"
}
failed=0
check() {
    timeout 300 "$PY" "$HERE/check_invariants.py" --label "$1" \
        --accepted "${@:2}" || failed=1
}

echo "== warm-up: 10 s"
loadgen --pause 0.5 --duration 10 --label warmup >/dev/null

echo "== paused: pause $PAUSE s, $DURATION s"
loadgen --pause "$PAUSE" --duration "$DURATION" --label paused
check paused "$OUT/warmup-accepted.csv" "$OUT/paused-accepted.csv"

echo "== unpaused: pause 0, $DURATION s"
loadgen --pause 0 --duration "$DURATION" --label unpaused
check unpaused "$OUT"/{warmup,paused,unpaused}-accepted.csv

echo "== results"
"$PY" "$HERE/report.py" --server "$WORKER_CLASS, $WORKERS workers × $THREADS threads"
exit "$failed"
