#!/bin/bash
# Instructions (callgrind, user space) a contender's server spends per unit of work: repeatable
# on a busy machine, unlike wall-clock figures. Each figure is (run with the work - run without
# it) / units, so start-up and connection set-up cancel out.
#
#   bench/scripts/callgrind.sh firehose target/release/bench-nest   # per event, GET /firehose?n=200000
#   bench/scripts/callgrind.sh fanout   target/release/bench-nest   # per delivery, 200 subscribers x 30 isolated publishes
#   bench/scripts/callgrind.sh h2fanout target/release/bench-nest   # the same over HTTP/2: 200 streams on 2 h2c connections
#   bench/scripts/callgrind.sh churn    target/release/bench-nest   # per connection: connect, GET /fanout, head, close
#
# Needs valgrind, curl and python3 (and python's h2 package for h2fanout: pip install h2).
# For bench-hyper over HTTP/2, export BENCH_HYPER_AUTO=1. Profiles are left in ${OUT:-/tmp/nest-callgrind}.
set -euo pipefail
what=$1; bin=$2
out=${OUT:-/tmp/nest-callgrind}; mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
port=${PORT:-3190}

run() { # run <name> <client command...>: the server's instruction total while the client runs
    local name=$1; shift
    PORT=$port valgrind --tool=callgrind --callgrind-out-file="$out/$name.cg" "$bin" >/dev/null 2>"$out/$name.log" &
    local server=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 0.5 "http://127.0.0.1:$port/" && break; sleep 0.3; done
    sleep 1
    "$@" >/dev/null
    sleep 0.5
    kill -INT $server; sleep 0.5; kill $server 2>/dev/null || true; wait $server || true
    callgrind_annotate "$out/$name.cg" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}

case $what in
    firehose)
        base=$(run firehose-0 curl -s -o /dev/null "http://127.0.0.1:$port/firehose?n=0")
        work=$(run firehose-1 curl -s -o /dev/null "http://127.0.0.1:$port/firehose?n=200000")
        echo "instructions per event: $(( (work - base) / 200000 ))" ;;
    fanout)
        base=$(run fanout-0 python3 "$here/clients.py" fanout $port 200 0)
        work=$(run fanout-1 python3 "$here/clients.py" fanout $port 200 30)
        echo "instructions per delivery: $(( (work - base) / 6000 ))" ;;
    h2fanout)
        base=$(run h2fanout-0 python3 "$here/clients.py" h2fanout $port 200 0)
        work=$(run h2fanout-1 python3 "$here/clients.py" h2fanout $port 200 30)
        echo "instructions per delivery: $(( (work - base) / 6000 ))" ;;
    churn)
        base=$(run churn-0 python3 "$here/clients.py" churn $port 0)
        work=$(run churn-1 python3 "$here/clients.py" churn $port 500)
        echo "instructions per connection: $(( (work - base) / 500 ))" ;;
    *) echo "unknown measurement: $what" >&2; exit 2 ;;
esac
