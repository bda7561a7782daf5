//! The reference peers of the SSE benchmark contract (`shared/bench/peers/`, see its
//! `README.md`), started as contenders beside the Rust servers: Go's standard `net/http`
//! (`go`) and nginx with the Nchan module (`nchan`).
//!
//! The Go peer is built with the `go` tool into a directory under the system's temporary
//! directory (once per process); Nchan runs through the peer's own `start.sh`. Nothing is
//! written into the peers' directory: the HTTP/2 variants are patched copies. Where a tool is
//! missing and this process runs as root, the Debian packages are installed once
//! (`apt-get install -y golang-go nginx libnginx-mod-nchan golang-golang-x-net-dev`); if it is
//! still missing, [`prepare`] says why and the contender is left out of the run.

use std::{
    io,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use crate::process::{Dialect, Publish, ServerProcess, Stop, free_port};

/// The peers, in the order of the table.
pub const NAMES: [&str; 2] = ["go", "nchan"];

/// Connections one nginx + Nchan process is given in the scale test: its configuration allows
/// 16,384 per worker, and one worker may get most of them.
pub const NCHAN_CONNECTIONS_PER_PROCESS: usize = 15_000;

/// Where the Debian packages keep Go's `golang.org/x/...` sources (GOPATH layout).
const DEBIAN_GOPATH: &str = "/usr/share/gocode";

/// The protocol a peer is started for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP/1.1, as the contract says.
    Http1,
    /// HTTP/2 over cleartext TCP with prior knowledge (no upgrade): Go's handler wrapped in
    /// `h2c.NewHandler` (which still speaks HTTP/1.1 on the same port), or nginx with a second
    /// `listen … http2` port (nginx 1.22 speaks only HTTP/2 there).
    H2c,
}

/// How the Go peer serves the contract: every route, `/firehose` events without ids.
pub const GO_DIALECT: Dialect = Dialect {
    firehose: true,
    firehose_ids: false,
    publish: Publish::Contract,
};

/// Where the benchmark's copy of Nchan's configuration answers Nchan's stub status (with the
/// count of subscribers over every worker and channel).
pub const NCHAN_STATUS_PATH: &str = "/nchan-status";

/// How Nchan serves the contract: no `/firehose`, one message per publish request, subscribers
/// counted by its stub status.
pub const NCHAN_DIALECT: Dialect = Dialect {
    firehose: false,
    firehose_ids: false,
    publish: Publish::MessageBody {
        status: NCHAN_STATUS_PATH,
    },
};

/// Whether `name` is one of the peers.
pub fn is_peer(name: &str) -> bool {
    NAMES.contains(&name)
}

/// The most connections one process of peer `name` is given in the scale test (more are
/// spread over several processes), if it has such a limit.
pub fn connections_per_process(name: &str) -> Option<usize> {
    (name == "nchan").then_some(NCHAN_CONNECTIONS_PER_PROCESS)
}

/// What to say beside a peer's figures.
pub fn note(name: &str) -> Option<&'static str> {
    match name {
        "go" => Some(
            "go: its `/firehose` events carry no `id:` field; M1 checks every event's data in order without ids.",
        ),
        "nchan" => Some(
            "nchan: a pub/sub hub, one `POST /publish` per message whose body the load generator writes; its `ts` is read by the load generator just before the POST (one loopback trip more than the servers that stamp `ts` themselves). No `/firehose` (M1 n/a). Subscribers are counted by Nchan's stub status, a location added to a copy of its configuration (its channel info missed subscribers on other workers); RSS is the sum over nginx's master and workers.",
        ),
        _ => None,
    }
}

/// The peers' directory: `BENCH_PEERS_DIR`, else `shared/bench/peers` or
/// `../shared/bench/peers` found from the current directory or this package's directory, or
/// any directory above them.
pub fn peers_dir() -> io::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("BENCH_PEERS_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_dir() {
            Ok(dir)
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("BENCH_PEERS_DIR={} is not a directory", dir.display()),
            ))
        };
    }
    let starts = [
        std::env::current_dir().ok(),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
    ];
    for start in starts.into_iter().flatten() {
        for dir in start.ancestors() {
            for candidate in [
                dir.join("shared/bench/peers"),
                dir.join("../shared/bench/peers"),
            ] {
                if candidate.join("README.md").is_file() {
                    return Ok(candidate.canonicalize().unwrap_or(candidate));
                }
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "no shared/bench/peers above the current directory or the package (set BENCH_PEERS_DIR)",
    ))
}

/// Gets peer `name` ready to start for `protocol` (builds the Go binary; finds nginx and the
/// Nchan module), installing the Debian packages once when a tool is missing and this process
/// is root. The error says what is missing.
pub fn prepare(name: &str, protocol: Protocol) -> Result<(), String> {
    match name {
        "go" => go_binary(protocol).map(drop),
        "nchan" => nchan_start_script().map(drop),
        _ => Err(format!("{name} is not a peer ({})", NAMES.join(", "))),
    }
}

/// Starts peer `name` for `protocol` on a free port and waits until it listens; its
/// [`ServerProcess::addr`] is where `protocol` is spoken, and [`ServerProcess::http1_addr`]
/// where HTTP/1.1 is (the same for Go). Stopping it sends `SIGTERM` and waits.
pub fn spawn(name: &str, protocol: Protocol) -> io::Result<ServerProcess> {
    let missing = |error: String| io::Error::new(io::ErrorKind::NotFound, error);
    match name {
        "go" => {
            let binary = go_binary(protocol).map_err(missing)?;
            let port = free_port()?;
            let mut command = Command::new(binary);
            command.env("PORT", port.to_string());
            ServerProcess::start(name, command, loopback(port), GO_DIALECT, Stop::Terminate)
        }
        "nchan" => spawn_nchan(protocol),
        _ => Err(missing(format!(
            "{name} is not a peer ({})",
            NAMES.join(", ")
        ))),
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// This process's scratch directory for the peers (built binaries, Go's cache, nginx prefixes).
fn scratch() -> PathBuf {
    std::env::temp_dir().join("nest-bench-peers")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// Runs `check`; if it fails and this process is root, installs the peers' Debian packages
/// (once per process) and runs it again.
fn with_packages<T>(check: impl Fn() -> Result<T, String>) -> Result<T, String> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    match check() {
        Ok(value) => Ok(value),
        Err(error) if is_root() => {
            let installed = INSTALLED.get_or_init(|| {
                eprintln!(
                    "peers: {error}; installing golang-go nginx libnginx-mod-nchan golang-golang-x-net-dev"
                );
                let status = Command::new("apt-get")
                    .args([
                        "install",
                        "-y",
                        "golang-go",
                        "nginx",
                        "libnginx-mod-nchan",
                        "golang-golang-x-net-dev",
                    ])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .status();
                match status {
                    Ok(status) if status.success() => Ok(()),
                    Ok(status) => Err(format!("apt-get install failed ({status})")),
                    Err(error) => Err(format!("apt-get: {error}")),
                }
            });
            check().map_err(|again| match installed {
                Ok(()) => again,
                Err(install) => format!("{again} ({install})"),
            })
        }
        Err(error) => Err(error),
    }
}

/// The first of `names` that is an executable file on `PATH`, else the first of `fallbacks`
/// that exists.
fn find_program(names: &str, fallbacks: &[&str]) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(names))
        .chain(fallbacks.iter().map(PathBuf::from))
        .find(|path| path.is_file())
}

fn go_tool() -> Result<PathBuf, String> {
    find_program("go", &["/usr/lib/go/bin/go", "/usr/local/go/bin/go"])
        .ok_or_else(|| "the go tool is not installed (apt-get install golang-go)".to_owned())
}

/// The Go peer's binary for `protocol`, built on first use.
fn go_binary(protocol: Protocol) -> Result<PathBuf, String> {
    static HTTP1: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    static H2C: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let (cell, build): (_, fn() -> Result<PathBuf, String>) = match protocol {
        Protocol::Http1 => (&HTTP1, build_go_http1),
        Protocol::H2c => (&H2C, build_go_h2c),
    };
    cell.get_or_init(|| {
        with_packages(|| {
            go_tool()?;
            if protocol == Protocol::H2c && !x_net_h2c().is_dir() {
                return Err(format!(
                    "{} is missing (apt-get install golang-golang-x-net-dev)",
                    x_net_h2c().display()
                ));
            }
            Ok(())
        })?;
        build()
    })
    .clone()
}

/// The Debian package's `golang.org/x/net/http2/h2c` sources.
fn x_net_h2c() -> PathBuf {
    Path::new(DEBIAN_GOPATH).join("src/golang.org/x/net/http2/h2c")
}

/// `go build` with the environment every build here shares (Go's cache and home under the
/// scratch directory, no network), into `output` (written beside it, then renamed into
/// place, so that a running copy is never overwritten).
fn go_build(dir: &Path, output: &Path, env: &[(&str, String)]) -> Result<(), String> {
    let go = go_tool()?;
    let scratch = scratch();
    let partial = output.with_extension(format!("partial-{}", std::process::id()));
    std::fs::create_dir_all(output.parent().unwrap_or(&scratch))
        .map_err(|error| format!("{}: {error}", scratch.display()))?;
    let out = Command::new(go)
        .args(["build", "-o"])
        .arg(&partial)
        .arg(".")
        .current_dir(dir)
        .env("GOCACHE", scratch.join("gocache"))
        .env("HOME", &scratch)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local")
        .envs(env.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("go build: {error}"))?;
    if !out.status.success() {
        return Err(format!(
            "go build in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    std::fs::rename(&partial, output).map_err(|error| format!("{}: {error}", output.display()))
}

fn build_go_http1() -> Result<PathBuf, String> {
    let source = peers_dir()
        .map_err(|error| error.to_string())?
        .join("go-nethttp");
    let output = scratch().join("bin/go-nethttp");
    go_build(
        &source,
        &output,
        &[
            ("GO111MODULE", "on".to_owned()),
            ("GOPATH", scratch().join("gopath").display().to_string()),
        ],
    )?;
    Ok(output)
}

/// The Go peer with its handler wrapped in `h2c.NewHandler(mux, &http2.Server{})`: a patched
/// copy of `main.go` in a GOPATH of its own, built in GOPATH mode against the Debian package's
/// `golang.org/x/net` (no module download).
fn build_go_h2c() -> Result<PathBuf, String> {
    let source = peers_dir()
        .map_err(|error| error.to_string())?
        .join("go-nethttp/main.go");
    let text = std::fs::read_to_string(&source)
        .map_err(|error| format!("{}: {error}", source.display()))?;
    let patched = patch_go_h2c(&text)?;
    let gopath = scratch().join(format!("gopath-h2c-{}", std::process::id()));
    let package = gopath.join("src/peer-go-nethttp-h2c");
    std::fs::create_dir_all(&package).map_err(|error| format!("{}: {error}", package.display()))?;
    std::fs::write(package.join("main.go"), patched)
        .map_err(|error| format!("{}: {error}", package.display()))?;
    let output = scratch().join("bin/go-nethttp-h2c");
    let built = go_build(
        &package,
        &output,
        &[
            ("GO111MODULE", "off".to_owned()),
            ("GOPATH", format!("{}:{DEBIAN_GOPATH}", gopath.display())),
        ],
    );
    let _ = std::fs::remove_dir_all(&gopath);
    built.map(|()| output)
}

/// `main.go` with the server's handler wrapped for h2c and the two imports added.
fn patch_go_h2c(main_go: &str) -> Result<String, String> {
    let handler = "Handler: mux";
    if main_go.matches(handler).count() != 1 || main_go.matches("import (").count() != 1 {
        return Err("go-nethttp/main.go no longer has one `import (` and one `Handler: mux` to patch for h2c".to_owned());
    }
    Ok(main_go
        .replacen(
            "import (",
            "import (\n\t\"golang.org/x/net/http2\"\n\t\"golang.org/x/net/http2/h2c\"\n",
            1,
        )
        .replacen(handler, "Handler: h2c.NewHandler(mux, &http2.Server{})", 1))
}

/// The peer's `start.sh`, once nginx and the Nchan module are there.
fn nchan_start_script() -> Result<PathBuf, String> {
    let script = peers_dir()
        .map_err(|error| error.to_string())?
        .join("nchan/start.sh");
    if !script.is_file() {
        return Err(format!("{} is missing", script.display()));
    }
    with_packages(|| {
        let nginx = match std::env::var_os("NGINX") {
            Some(nginx) => Some(PathBuf::from(nginx)).filter(|path| path.is_file()),
            None => find_program("nginx", &["/usr/sbin/nginx"]),
        };
        if nginx.is_none() {
            return Err("nginx is not installed (apt-get install nginx)".to_owned());
        }
        let module = std::env::var_os("NCHAN_MODULE").map_or_else(
            || PathBuf::from("/usr/lib/nginx/modules/ngx_nchan_module.so"),
            PathBuf::from,
        );
        if !module.is_file() {
            return Err(format!(
                "the Nchan module {} is not installed (apt-get install libnginx-mod-nchan)",
                module.display()
            ));
        }
        Ok(())
    })?;
    Ok(script)
}

/// nginx + Nchan through a copy of the peer's `start.sh` (in the foreground; its process is
/// nginx's master), with a prefix of its own under the scratch directory, and a copy of its
/// configuration with [`NCHAN_STATUS_PATH`] added (and, for h2c, one more
/// `listen 127.0.0.1:<port> http2;`): see [`patch_nchan_conf`].
fn spawn_nchan(protocol: Protocol) -> io::Result<ServerProcess> {
    let script =
        nchan_start_script().map_err(|error| io::Error::new(io::ErrorKind::NotFound, error))?;
    let port = free_port()?;
    let h2c_port = match protocol {
        Protocol::Http1 => None,
        Protocol::H2c => Some(free_port()?),
    };
    let dir = scratch().join(format!("nchan-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    let copy = dir.join("peer");
    std::fs::create_dir_all(&copy)?;
    let from = script.parent().unwrap_or(Path::new("."));
    std::fs::copy(&script, copy.join("start.sh"))?;
    let conf = std::fs::read_to_string(from.join("nginx.conf.in"))?;
    std::fs::write(
        copy.join("nginx.conf.in"),
        patch_nchan_conf(&conf, h2c_port).map_err(io::Error::other)?,
    )?;
    let mut command = Command::new(copy.join("start.sh"));
    command.env("PORT", port.to_string()).env("TMPDIR", &dir);
    let mut server = match ServerProcess::start(
        "nchan",
        command,
        loopback(port),
        NCHAN_DIALECT,
        Stop::Terminate,
    ) {
        Ok(server) => server,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(error);
        }
    };
    server.remove_when_stopped(dir);
    // The master listens before its workers exist: wait until one answers a request.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !answers(server.http1_addr) {
        if Instant::now() > deadline {
            return Err(io::Error::other("nchan: no worker answers"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Some(h2c_port) = h2c_port {
        server.addr = loopback(h2c_port);
        server.wait_for_listener(server.addr)?;
    }
    Ok(server)
}

/// The peer's `nginx.conf.in` with a `location = /nchan-status { nchan_stub_status; }` before
/// its catch-all location, and with `listen 127.0.0.1:<h2c_port> http2;` beside its
/// `listen` if `h2c_port` is given.
///
/// The status counts subscribers over every worker. Nchan's channel info (`GET /publish`)
/// does not always: with one subscriber connected it answered 0, on every request for as long
/// as the subscriber stayed, in about half of the starts (nginx 1.22.1, Nchan 1.3.6, two
/// workers), while a publish reached it and answered 1.
fn patch_nchan_conf(conf: &str, h2c_port: Option<u16>) -> Result<String, String> {
    let listen = "listen 127.0.0.1:@PORT@;";
    let catch_all = "location / {";
    if conf.matches(listen).count() != 1 || conf.matches(catch_all).count() != 1 {
        return Err(format!(
            "nchan/nginx.conf.in no longer has one `{listen}` and one `{catch_all}` to patch"
        ));
    }
    let mut patched = conf.replacen(
        catch_all,
        &format!("location = {NCHAN_STATUS_PATH} {{\n            nchan_stub_status;\n        }}\n\n        {catch_all}"),
        1,
    );
    if let Some(h2c_port) = h2c_port {
        patched = patched.replacen(
            listen,
            &format!("{listen}\n        listen 127.0.0.1:{h2c_port} http2;"),
            1,
        );
    }
    Ok(patched)
}

/// Whether an HTTP/1.1 server at `addr` answers `GET /` within a second.
fn answers(addr: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut first = [0u8; 5];
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_ok()
        && stream.read_exact(&mut first).is_ok()
        && &first == b"HTTP/"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nchan_patch_adds_the_status_and_the_http2_port() {
        let conf = "server {\n        listen 127.0.0.1:@PORT@;\n        location / {\n            return 404;\n        }\n}\n";
        let http1 = patch_nchan_conf(conf, None).unwrap();
        assert!(http1.contains("location = /nchan-status {\n            nchan_stub_status;\n        }\n\n        location / {"));
        assert!(!http1.contains("http2"));
        let h2c = patch_nchan_conf(conf, Some(4321)).unwrap();
        assert!(h2c.contains("listen 127.0.0.1:@PORT@;\n        listen 127.0.0.1:4321 http2;"));
        assert!(patch_nchan_conf("server {}", None).is_err());
    }

    #[test]
    fn the_h2c_patch_wraps_the_handler_and_adds_the_imports() {
        let main_go = "package main\n\nimport (\n\t\"net/http\"\n)\n\nfunc main() {\n\tsrv := &http.Server{Addr: a, Handler: mux}\n}\n";
        let patched = patch_go_h2c(main_go).unwrap();
        assert!(patched.contains("\"golang.org/x/net/http2\"\n"));
        assert!(patched.contains("\"golang.org/x/net/http2/h2c\"\n"));
        assert!(patched.contains("Handler: h2c.NewHandler(mux, &http2.Server{})}"));
        assert!(patch_go_h2c("package main\n").is_err());
    }
}
