#!/bin/bash
# Server CPU (perf stat task-clock, ms) for 3 x 1,000,000 /firehose events read by a plain
# Python client, alternating two server binaries (and which goes first) round by round so that
# outside load hits both alike:
#
#   bench/scripts/cpu-ab.sh target/release/bench-nest target/release/bench-hyper 5
#   bench/scripts/cpu-ab.sh /tmp/bench-nest-before target/release/bench-nest 5
#
# Real CPU time, unlike callgrind's instruction counts: short copies (memcpy calls) cost far
# more cycles than their instruction count says. Needs perf and python3.
set -euo pipefail
a=$1; b=$2; rounds=${3:-5}; port=${PORT:-3397}

measure() {
    PORT=$port "$1" >/dev/null 2>&1 &
    local server=$!
    for _ in $(seq 1 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.1; done
    perf stat -x, -e task-clock -p $server -- python3 -c "
import socket
for _ in range(3):
    s = socket.create_connection(('127.0.0.1', $port))
    s.sendall(b'GET /firehose?n=1000000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    while s.recv(1 << 20):
        pass
" 2>&1 >/dev/null | cut -d, -f1
    kill $server; wait $server 2>/dev/null || true
}

# The order alternates (A B, B A, ...): whichever runs second in a round tends to be slower.
for round in $(seq 1 "$rounds"); do
    if (( round % 2 )); then
        first=$(measure "$a"); second=$(measure "$b")
        echo "round $round: $(basename "$a") $first ms, $(basename "$b") $second ms"
    else
        second=$(measure "$b"); first=$(measure "$a")
        echo "round $round: $(basename "$b") $second ms, $(basename "$a") $first ms"
    fi
done
