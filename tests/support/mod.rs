// SPDX-License-Identifier: MIT OR Apache-2.0
//! Shared test support: the scripted server process and a TCP transport.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ip_smtpc::client::{self, Note, Observer, Transport};
use ip_smtpc::message::content::NoParts;
use ip_smtpc::message::{Mail, Party};
use ip_smtpc::session::{Config, Event, Session};
use ip_smtpc::Error;

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `tests/scripted_server.py`.
pub struct ScriptedServer {
    child: Child,
    pub port: u16,
    transcript: PathBuf,
    dir: PathBuf,
}

impl ScriptedServer {
    /// Starts the server with `script` (the script syntax of scripted_server.py).
    pub fn start(script: &str) -> ScriptedServer {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("ip-smtpc-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script_path = dir.join("script.smtp");
        std::fs::write(&script_path, script).unwrap();
        let transcript = dir.join("transcript.bin");
        let mut child = Command::new("python3")
            .arg(root().join("tests/scripted_server.py"))
            .args([
                "--script",
                script_path.to_str().unwrap(),
                "--timeout",
                "20",
                "--step-timeout",
                "5",
            ])
            .args(["--transcript", transcript.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 tests/scripted_server.py");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("no PORT line: {line:?}"))
            .parse()
            .unwrap();
        ScriptedServer {
            child,
            port,
            transcript,
            dir,
        }
    }

    /// Waits for the server; returns (exit code, transcript, stderr log).
    pub fn finish(mut self) -> (i32, Vec<u8>, String) {
        let status = self.child.wait().unwrap();
        let log = take_stderr(&mut self.child);
        let transcript = std::fs::read(&self.transcript).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&self.dir);
        (status.code().unwrap_or(-1), transcript, log)
    }
}

/// Everything a finished child wrote to its piped standard error.
pub fn take_stderr(child: &mut Child) -> String {
    let mut log = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut log).unwrap();
    }
    log
}

/// A blocking TCP transport with a millisecond clock.
pub struct Tcp {
    pub stream: TcpStream,
    start: Instant,
}

impl Tcp {
    pub fn connect(port: u16) -> Tcp {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Tcp {
            stream,
            start: Instant::now(),
        }
    }
}

impl Transport for Tcp {
    fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.stream.write_all(data).map_err(|_| Error::Send)
    }
    fn receive(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        match self.stream.read(buf) {
            Ok(0) => Err(Error::Receive),
            Ok(n) => Ok(n),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                Err(Error::Timeout)
            }
            Err(_) => Err(Error::Receive),
        }
    }
    fn upgrade(&mut self) -> Result<(), Error> {
        Err(Error::TlsUnavailable)
    }
    fn now_ms(&mut self) -> Option<u32> {
        Some(self.start.elapsed().as_millis() as u32)
    }
}

/// Collects rejected recipients with their replies.
#[derive(Default)]
pub struct Rejections(pub Vec<(usize, u16, String)>);

impl Observer for Rejections {
    fn note(&mut self, note: &Note<'_>) {
        if let Some(Event::RecipientRejected(i)) = note.event {
            self.0.push((
                i,
                note.code,
                String::from_utf8_lossy(note.text).into_owned(),
            ));
        }
    }
}

/// Sends `mail` through the engine to 127.0.0.1:`port`.
pub fn send(
    port: u16,
    mail: &Mail<'_, [Party<'_>]>,
    config: Config<'_>,
) -> (Result<(), Error>, Rejections) {
    let (result, rejections, _) = send_with(port, mail, config, Tuning::default());
    (result, rejections)
}

/// Runs one validated mail through the engine over `transport` with buffers
/// of the given sizes; returns the result and every byte the client sent.
pub fn run_recorded<T: Transport, O: Observer>(
    transport: T,
    mail: &Mail<'_, [Party<'_>]>,
    config: Config<'_>,
    (in_size, out_size): (usize, usize),
    observer: &mut O,
) -> (Result<(), Error>, Vec<u8>) {
    mail.validate().expect("test mail is valid");
    config.validate().expect("test config is valid");
    let mut transport = SentRecorder::new(transport);
    let mut session = Session::new(mail, config);
    let (mut inbuf, mut outbuf) = (vec![0u8; in_size], vec![0u8; out_size]);
    let result = client::run(
        &mut session,
        &mut transport,
        &mut inbuf,
        &mut outbuf,
        observer,
        &mut NoParts,
    );
    (result, transport.sent)
}

impl Tcp {
    /// Like [`Tcp::connect`], but a failed connect is `Err(Error::Connect)`
    /// instead of a panic (for tests that count failures), with a write
    /// timeout and TCP_NODELAY.
    pub fn try_connect(port: u16) -> Result<Tcp, Error> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|_| Error::Connect)?;
        // The engine hands the message content to send() in
        // OUT_BUFFER_SIZE pieces; with Nagle on, the last small piece waits
        // for the server's delayed ACK (about 40 ms on Linux) per message.
        stream.set_nodelay(true).map_err(|_| Error::Connect)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|_| Error::Connect)?;
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .map_err(|_| Error::Connect)?;
        Ok(Tcp {
            stream,
            start: Instant::now(),
        })
    }
}

/// A transport that keeps a copy of every byte it sent successfully (a
/// failed send is not recorded, so the copy shows how far the client got).
pub struct SentRecorder<T: Transport> {
    pub inner: T,
    pub sent: Vec<u8>,
}

impl<T: Transport> SentRecorder<T> {
    pub fn new(inner: T) -> Self {
        SentRecorder {
            inner,
            sent: Vec::new(),
        }
    }
}

impl<T: Transport> Transport for SentRecorder<T> {
    fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.inner.send(data)?;
        self.sent.extend_from_slice(data);
        Ok(())
    }
    fn receive(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.inner.receive(buf)
    }
    fn upgrade(&mut self) -> Result<(), Error> {
        self.inner.upgrade()
    }
    fn now_ms(&mut self) -> Option<u32> {
        self.inner.now_ms()
    }
}

/// Buffer sizes and the transport's read timeout for [`send_with`].
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// Reply buffer (`SMTPC_IN_BUFFER_SIZE`).
    pub in_size: usize,
    /// Output buffer (`SMTPC_OUT_BUFFER_SIZE`).
    pub out_size: usize,
    /// How long one `receive` may block (what a port's socket timeout does).
    pub read_timeout_ms: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            in_size: 256,
            out_size: 256,
            read_timeout_ms: 10_000,
        }
    }
}

/// Like [`send`], with the given buffer sizes and read timeout; also returns
/// every byte the client sent.
pub fn send_with(
    port: u16,
    mail: &Mail<'_, [Party<'_>]>,
    config: Config<'_>,
    tuning: Tuning,
) -> (Result<(), Error>, Rejections, Vec<u8>) {
    let tcp = Tcp::connect(port);
    tcp.stream
        .set_read_timeout(Some(Duration::from_millis(tuning.read_timeout_ms.max(1))))
        .unwrap();
    tcp.stream.set_nodelay(true).unwrap();
    let mut rejections = Rejections::default();
    let sizes = (tuning.in_size, tuning.out_size);
    let (result, sent) = run_recorded(tcp, mail, config, sizes, &mut rejections);
    (result, rejections, sent)
}
