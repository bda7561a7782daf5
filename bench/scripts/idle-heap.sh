#!/bin/bash
# Heap per idle /idle event stream, by allocation site (valgrind's DHAT at the heap's peak,
# while 1,000 idle streams are held), for one contender's server:
#
#   bench/scripts/idle-heap.sh target/release/bench-nest
#   bench/scripts/idle-heap.sh target/release/bench-hyper
#
# Prints bytes and heap blocks per connection for every site that holds one block (or more)
# per connection. Needs valgrind, curl and python3. The profile is left in
# ${OUT:-/tmp/nest-dhat}.
set -euo pipefail
bin=$1
out=${OUT:-/tmp/nest-dhat}; mkdir -p "$out"
port=${PORT:-3291}; n=1000
name=$(basename "$bin")
PORT=$port valgrind --tool=dhat --dhat-out-file="$out/$name.json" "$bin" >/dev/null 2>"$out/$name.log" &
server=$!
for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 0.5 "http://127.0.0.1:$port/" && break; sleep 0.3; done
python3 - "$port" "$n" <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
streams = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /idle HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
    streams.append(s)
for s in streams:
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(65536)
time.sleep(4)
PY
client=$!
sleep 10
kill -INT $server; sleep 1; kill $server 2>/dev/null || true
wait $server || true; wait $client || true
python3 - "$out/$name.json" "$n" <<'PY'
import json, re, sys
profile, n = json.load(open(sys.argv[1])), int(sys.argv[2])
skip = ("alloc::", "malloc", "realloc", "calloc", "__rust", "RawVec", "raw_vec", "exchange_malloc")
rows = []
for pp in profile["pps"]:
    if pp.get("gbk", 0) < n * 0.9:
        continue
    frames = []
    for index in pp["fs"]:
        match = re.search(r": (.*) \(", profile["ftbl"][index])
        frame = match.group(1) if match else profile["ftbl"][index]
        if not any(word in frame for word in skip):
            frames.append(frame[:110])
    rows.append((pp["gb"] / n, pp["gbk"] / n, " <- ".join(frames[:3])))
rows.sort(key=lambda row: -row[0])
print(f"{sum(r[0] for r in rows):.0f} bytes in {sum(r[1] for r in rows):.1f} blocks per idle stream")
for size, blocks, where in rows:
    print(f"{size:8.1f} B {blocks:5.2f} blocks  {where}")
PY
