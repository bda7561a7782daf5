"""Clients for callgrind.sh: slow, simple and deterministic (one thing at a time)."""
import socket
import sys
import time


def publish(port, publishes):
    """`publishes` POST /publish?n=1 on one kept-alive connection, 150 ms apart so that each
    one's deliveries are done before the next (no batching that would vary run to run), then a
    second for the last deliveries."""
    publisher = socket.create_connection(("127.0.0.1", port))
    for _ in range(publishes):
        publisher.sendall(b"POST /publish?n=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        answer = b""
        while b"}" not in answer:
            answer += publisher.recv(4096)
        time.sleep(0.15)
    time.sleep(1)


def fanout(port, subscribers, publishes):
    """`subscribers` /fanout streams, then `publishes` publishes (see `publish`)."""
    streams = []
    for _ in range(subscribers):
        stream = socket.create_connection(("127.0.0.1", port))
        stream.sendall(b"GET /fanout HTTP/1.1\r\nHost: x\r\n\r\n")
        streams.append(stream)
    for stream in streams:
        head = b""
        while b"\r\n\r\n" not in head:
            head += stream.recv(65536)
    publish(port, publishes)


def h2fanout(port, subscribers, publishes):
    """As `fanout`, over HTTP/2: `subscribers` /fanout streams, 100 per h2c connection (needs
    the `h2` package: pip install h2), read while the publishes go out over HTTP/1.1."""
    import threading

    import h2.config
    import h2.connection
    import h2.events
    import h2.settings

    connections = []
    for first in range(0, subscribers, 100):
        stream = socket.create_connection(("127.0.0.1", port))
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 24})
        for _ in range(min(100, subscribers - first)):
            conn.send_headers(
                conn.get_next_available_stream_id(),
                [(":method", "GET"), (":path", "/fanout"), (":scheme", "http"),
                 (":authority", "x"), ("accept", "text/event-stream")],
                end_stream=True,
            )
        stream.sendall(conn.data_to_send())
        connections.append((stream, conn))
    done = threading.Event()

    def read(stream, conn):
        stream.settimeout(0.2)
        while not done.is_set():
            try:
                data = stream.recv(65536)
            except socket.timeout:
                continue
            if not data:
                return
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            stream.sendall(conn.data_to_send())

    readers = [threading.Thread(target=read, args=pair) for pair in connections]
    for reader in readers:
        reader.start()
    time.sleep(2)
    publish(port, publishes)
    done.set()
    for reader in readers:
        reader.join()


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
    {"fanout": fanout, "h2fanout": h2fanout, "churn": churn}[what](int(port), *map(int, counts))
