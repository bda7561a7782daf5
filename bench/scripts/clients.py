"""Clients for callgrind.sh: slow, simple and deterministic (one thing at a time)."""
import socket
import sys
import time


def fanout(port, subscribers, publishes):
    """`subscribers` /fanout streams, then `publishes` publishes, 150 ms apart so that each
    one's deliveries are done before the next (no batching that would vary run to run)."""
    streams = []
    for _ in range(subscribers):
        stream = socket.create_connection(("127.0.0.1", port))
        stream.sendall(b"GET /fanout HTTP/1.1\r\nHost: x\r\n\r\n")
        streams.append(stream)
    for stream in streams:
        head = b""
        while b"\r\n\r\n" not in head:
            head += stream.recv(65536)
    publisher = socket.create_connection(("127.0.0.1", port))
    for _ in range(publishes):
        publisher.sendall(b"POST /publish?n=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        answer = b""
        while b"}" not in answer:
            answer += publisher.recv(4096)
        time.sleep(0.15)
    time.sleep(1)


def churn(port, connections):
    """`connections` connections, one after another: connect, GET /fanout, read the head, close."""
    for _ in range(connections):
        stream = socket.create_connection(("127.0.0.1", port))
        stream.sendall(b"GET /fanout HTTP/1.1\r\nHost: x\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += stream.recv(4096)
        stream.close()


if __name__ == "__main__":
    what, port, *counts = sys.argv[1:]
    {"fanout": fanout, "churn": churn}[what](int(port), *map(int, counts))
