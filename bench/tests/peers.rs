//! The reference peers for real: Go's `net/http` and nginx + Nchan started as the benchmark
//! starts them, each publishing one message that a `/fanout` subscriber reads, over HTTP/1.1
//! and over h2c (HTTP/2 with prior knowledge). A peer whose tools are not installed is skipped
//! with a line on stderr; one that is installed must work.

use std::time::Duration;

use nest_bench::{
    client::{BodyDecoder, connect, open_stream},
    measure::{self, Publisher},
    parse::{SseParser, json_u64},
    peers::{self, Protocol},
    process::{Publish, ServerProcess},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};

/// Starts peer `name` for `protocol`, or `None` (said on stderr) when it cannot be prepared
/// (see [`prepared`]).
fn start(name: &str, protocol: Protocol) -> Option<ServerProcess> {
    if let Err(reason) = prepared(name, protocol) {
        eprintln!("{name} ({protocol:?}) skipped: {reason}");
        return None;
    }
    Some(peers::spawn(name, protocol).unwrap_or_else(|error| panic!("{name} starts: {error}")))
}

/// [`peers::prepare`]. The peers live outside this repository (`shared/bench/peers`): a
/// checkout without them skips these tests. Where they are, under CI (after `scripts/test.sh`
/// installed their tools) a peer that cannot be prepared fails the test.
fn prepared(name: &str, protocol: Protocol) -> Result<(), String> {
    let prepared = peers::prepare(name, protocol);
    if let Err(reason) = &prepared {
        if std::env::var_os("CI").is_some() && peers::peers_dir().is_ok() {
            panic!("{name} ({protocol:?}) cannot run under CI: {reason}");
        }
    }
    prepared
}

/// The `seq` and `ts` of the first event whose data has them, fed from `read` until one comes.
fn first_message(parser: &mut SseParser, bytes: &[u8]) -> Option<(u64, u64)> {
    let mut found = None;
    parser.feed(bytes, |event| {
        if found.is_none()
            && let (Some(seq), Some(ts)) =
                (json_u64(event.data, b"seq"), json_u64(event.data, b"ts"))
        {
            found = Some((seq, ts));
        }
    });
    found
}

/// Subscribes to `/fanout` over HTTP/1.1, publishes one message and reads it.
async fn one_event_over_http1(server: &ServerProcess) -> (u64, u64) {
    let mut stream = connect(server.addr).await.expect("connect");
    let mut pending = Vec::new();
    let head = open_stream(&mut stream, "/fanout", &mut pending)
        .await
        .expect("GET /fanout is an event stream");
    let mut publisher = Publisher::connect(server).await.expect("connect");
    assert_eq!(publisher.await_subscribers(1).await.unwrap(), 1);
    let before = nest_bench::contract::unix_nanos();
    let counted = publisher.publish(1).await.unwrap();
    if server.dialect.publish == Publish::Contract {
        // (Nchan's answer to a publish can miss a subscriber held by another worker.)
        assert_eq!(counted, 1, "one subscriber");
    }
    let mut decoder = BodyDecoder::new(head.framing);
    let mut parser = SseParser::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let mut found = None;
        decoder
            .feed(&pending, |payload| {
                found = found.or(first_message(&mut parser, payload));
            })
            .unwrap();
        if let Some((seq, ts)) = found {
            assert!(ts >= before.saturating_sub(1_000_000), "ts {ts} is now");
            return (seq, ts);
        }
        let read = stream.read(&mut buf).await.expect("read");
        assert!(read > 0, "the stream ended before the message");
        pending = buf[..read].to_vec();
    }
}

/// The HPACK block of `GET /fanout` with `Accept: text/event-stream` (static table indices and
/// literal values, no Huffman coding).
fn fanout_request_headers() -> Vec<u8> {
    let mut block = vec![0x82, 0x86]; // :method GET, :scheme http
    for (index, value) in [
        (4u8, "/fanout"),          // :path
        (1, "127.0.0.1"),          // :authority
        (19, "text/event-stream"), // accept
    ] {
        block.push(0x40 | index);
        block.push(u8::try_from(value.len()).unwrap());
        block.extend_from_slice(value.as_bytes());
    }
    block
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut frame = length[1..].to_vec();
    frame.extend_from_slice(&[kind, flags]);
    frame.extend_from_slice(&stream.to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

async fn read_frame(stream: &mut TcpStream) -> (u8, u8, u32, Vec<u8>) {
    let mut header = [0u8; 9];
    stream.read_exact(&mut header).await.expect("a frame");
    let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
    let id = u32::from_be_bytes([header[5], header[6], header[7], header[8]]) & 0x7fff_ffff;
    let mut payload = vec![0u8; length];
    stream
        .read_exact(&mut payload)
        .await
        .expect("a frame's payload");
    (header[3], header[4], id, payload)
}

/// Subscribes to `/fanout` over h2c with prior knowledge (a hand-made HTTP/2 exchange), then
/// publishes one message over HTTP/1.1 and reads it from the HTTP/2 stream's DATA frames.
async fn one_event_over_h2c(server: &ServerProcess) -> (u64, u64) {
    const DATA: u8 = 0;
    const HEADERS: u8 = 1;
    const SETTINGS: u8 = 4;
    const GOAWAY: u8 = 7;
    const RST_STREAM: u8 = 3;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend(frame(SETTINGS, 0, 0, &[]));
    // END_STREAM | END_HEADERS.
    hello.extend(frame(HEADERS, 0x1 | 0x4, 1, &fanout_request_headers()));
    stream.write_all(&hello).await.unwrap();
    let mut publisher = None;
    let mut parser = SseParser::new();
    loop {
        let (kind, flags, id, payload) = read_frame(&mut stream).await;
        match kind {
            SETTINGS if flags & 0x1 == 0 => {
                stream
                    .write_all(&frame(SETTINGS, 0x1, 0, &[]))
                    .await
                    .unwrap();
            }
            HEADERS if id == 1 => {
                // `:status 200` is entry 8 of HPACK's static table, sent indexed.
                assert_eq!(payload.first(), Some(&0x88), "status 200: {payload:?}");
                let mut control = Publisher::connect(server).await.expect("connect");
                assert_eq!(control.await_subscribers(1).await.unwrap(), 1);
                control.publish(1).await.unwrap();
                publisher = Some(control);
            }
            DATA if id == 1 => {
                assert!(publisher.is_some(), "DATA before HEADERS");
                if let Some(found) = first_message(&mut parser, &payload) {
                    return found;
                }
            }
            GOAWAY | RST_STREAM => panic!("the server ended the exchange: {kind} {payload:?}"),
            _ => {}
        }
    }
}

async fn check(name: &str) {
    if let Some(server) = start(name, Protocol::Http1) {
        let (seq, _) = timeout(Duration::from_secs(20), one_event_over_http1(&server))
            .await
            .expect("an event within 20 s");
        assert_eq!(seq, 0, "{name}: the first message");
        let ids = server.dialect.firehose_ids;
        if server.dialect.firehose {
            let firehose = measure::firehose(&server, 10_000, 1)
                .await
                .unwrap_or_else(|error| panic!("{name} /firehose (ids: {ids}): {error}"));
            assert_eq!(firehose.events, 10_000);
        } else {
            assert!(measure::firehose(&server, 10, 1).await.is_err());
        }
        assert!(server.rss_kib() > 0);
    }
    if let Some(server) = start(name, Protocol::H2c) {
        let (seq, _) = timeout(Duration::from_secs(20), one_event_over_h2c(&server))
            .await
            .expect("an event within 20 s");
        assert_eq!(seq, 0, "{name} over h2c: the first message");
    }
}

#[tokio::test]
async fn go_delivers_a_published_message_over_http1_and_h2c() {
    check("go").await;
}

#[tokio::test]
async fn nchan_delivers_a_published_message_over_http1_and_h2c() {
    check("nchan").await;
}

#[test]
fn nchan_is_stopped_with_its_workers() {
    let Some(server) = start("nchan", Protocol::Http1) else {
        return;
    };
    let pids = server.pids();
    assert!(pids.len() >= 2, "nginx's master and its workers: {pids:?}");
    let rss: u64 = pids
        .iter()
        .filter_map(|&pid| nest_bench::process::rss_kib(pid))
        .sum();
    assert!(server.rss_kib() >= rss.min(1), "the sum over every process");
    drop(server);
    for pid in pids {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                let (_, rest) = stat.rsplit_once(')')?;
                rest.split_whitespace().next().map(str::to_owned)
            });
        assert!(
            state.is_none() || state.as_deref() == Some("Z"),
            "process {pid} still runs ({state:?})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scale_test_spreads_over_several_processes_of_each_peer() {
    nest_bench::contract::raise_fd_limit();
    for name in peers::NAMES {
        if let Err(reason) = prepared(name, Protocol::Http1) {
            eprintln!("{name} skipped: {reason}");
            continue;
        }
        let counts = nest_bench::scale::split(600, 250);
        let servers: Vec<_> = counts
            .iter()
            .map(|_| peers::spawn(name, Protocol::Http1))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|error| panic!("{name} starts: {error}"));
        let result = nest_bench::scale::scale(
            &servers,
            &counts,
            std::path::Path::new(env!("CARGO_BIN_EXE_bench-load")),
        )
        .await
        .unwrap_or_else(|error| panic!("{name}: the scale test runs: {error}"));
        assert_eq!(result.shards, 3, "{name}");
        assert_eq!(result.memory.connections, 600, "{name}");
        assert_eq!(
            result.delivered, 600,
            "{name}: every connection receives the message"
        );
        assert!(
            result.memory.rss_after_kib > result.memory.rss_before_kib,
            "{name}: {:?}",
            result.memory
        );
    }
}
