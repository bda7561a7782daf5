//! A real `redis-server` for the tests: started on a free port of 127.0.0.1 with its data in a
//! temporary directory, every write appended to its log and synced before Redis answers
//! (`appendfsync always`), so that killing it with SIGKILL and starting it again loses nothing
//! it acknowledged. `scripts/test.sh` installs Debian's `redis-server` when it is missing.

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running `redis-server`, killed and its directory removed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one and waits until it answers `PING`.
    ///
    /// # Panics
    /// When `redis-server` is not installed (run `scripts/test.sh`, which installs it) or does
    /// not answer within 10 s.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts one with more `redis-server` options (such as `["--maxmemory", "1mb"]`), kept
    /// when it is started again, and waits until it answers `PING`.
    ///
    /// # Panics
    /// As [`RedisServer::start`].
    pub fn start_with(args: &[&str]) -> Self {
        let port = crate::free_port();
        let dir = std::env::temp_dir().join(format!("nest-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut server = Self {
            port,
            dir,
            args: args.iter().map(|&arg| arg.to_owned()).collect(),
            child: None,
        };
        server.start_again();
        server
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it with SIGKILL, as a crash would (what it acknowledged is on disk).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same data, and waits until it answers.
    ///
    /// # Panics
    /// As [`RedisServer::start`].
    pub fn start_again(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .args(["--logfile", "redis.log"])
            .args(&self.args)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/test.sh installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `commands` (Redis inline commands, one per line) on a connection of its own and
    /// returns everything Redis answered.
    ///
    /// # Panics
    /// When Redis cannot be reached.
    pub fn run(&self, commands: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("Redis answers");
        stream
            .write_all(format!("{commands}\r\nQUIT\r\n").as_bytes())
            .expect("Redis takes the commands");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("Redis answers");
        reply
    }

    /// Whether it answers `PING` with `PONG` (not while it loads its data).
    pub fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut reply = [0; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
