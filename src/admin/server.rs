//! The admin socket inside `serve`: one request a connection, run on a
//! blocking thread with the bot's engine, what the command prints sent back
//! as frames, and desk events routed to the desks like the adapters' own.

use std::fs;
use std::future::Future;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use frontdesk_core::{Engine, Router, SledStore};

use super::protocol::{self, Exit, Frame, Request};
use crate::cmd::{self, Output};

/// The largest request read (an imported calendar is sent whole).
const MAX_REQUEST: u64 = 64 * 1024 * 1024;
/// How long a client has to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes of a backup a `data` frame holds (before base64).
const DATA_CHUNK: usize = 48 * 1024;

/// The bound socket; the file is removed when this is dropped.
pub struct Listener {
    listener: UnixListener,
    socket: Socket,
}

/// The socket's file, removed on drop (when `serve` stops, or fails).
struct Socket(PathBuf);

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

impl Listener {
    /// Listens on `admin.sock` in the data folder `data`, replacing a
    /// socket left by a bot that did not stop cleanly (the store's lock,
    /// taken before, means no other bot runs here). The socket is bound in a
    /// folder only this user can enter, made 0600, and only then moved into
    /// place, so no other user can connect even for a moment.
    pub fn bind(data: &Path) -> anyhow::Result<Listener> {
        let path = super::socket_path(data);
        let cannot = || format!("cannot listen on {}", path.display());
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e).with_context(cannot),
            _ => {}
        }
        let private = data.join(".admin.sock.d");
        let _ = fs::remove_dir_all(&private);
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&private)
            .with_context(cannot)?;
        let inside = private.join(super::SOCKET);
        let bound = UnixListener::bind(&inside).and_then(|listener| {
            fs::set_permissions(&inside, fs::Permissions::from_mode(0o600))?;
            fs::rename(&inside, &path)?;
            Ok(listener)
        });
        let _ = fs::remove_dir_all(&private);
        let listener = bound.with_context(cannot)?;
        listener.set_nonblocking(true).with_context(cannot)?;
        Ok(Listener {
            listener,
            socket: Socket(path),
        })
    }

    /// Answers requests until `stop`, then removes the socket. Requests
    /// already running finish on their own threads.
    pub async fn serve(
        self,
        engine: Arc<Engine<SledStore>>,
        router: Arc<Router>,
        stop: impl Future<Output = ()>,
    ) {
        let Listener { listener, socket } = self;
        let listener = match tokio::net::UnixListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(error = %e, "the admin interface cannot start");
                return;
            }
        };
        tracing::info!(socket = %socket.0.display(), "admin interface listening");
        tokio::pin!(stop);
        loop {
            let accepted = tokio::select! {
                _ = &mut stop => break,
                accepted = listener.accept() => accepted,
            };
            let stream = match accepted.and_then(|(stream, _)| {
                check_peer(&stream)?;
                let stream = stream.into_std()?;
                stream.set_nonblocking(false)?;
                Ok(stream)
            }) {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "an admin connection was refused or lost");
                    // Not a busy loop when accepting itself fails (no file
                    // descriptors left).
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let (engine, router) = (engine.clone(), router.clone());
            tokio::task::spawn_blocking(move || answer(&stream, &engine, &router));
        }
        drop(socket);
    }
}

/// Only this user (or root) may give the bot commands. The socket's mode
/// already says so; this holds even if the data folder's is changed.
fn check_peer(stream: &tokio::net::UnixStream) -> io::Result<()> {
    let peer = stream.peer_cred()?.uid();
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    if peer == me || peer == 0 {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("user {peer} is not the bot's user"),
        ))
    }
}

/// Reads one request, runs it and answers. A client that connects and
/// sends nothing (one checking whether the bot runs) gets nothing.
fn answer(stream: &UnixStream, engine: &Engine<SledStore>, router: &Router) {
    let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
    let mut line = String::new();
    match BufReader::new(stream.take(MAX_REQUEST)).read_line(&mut line) {
        Ok(0) => return,
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "cannot read an admin request");
            return;
        }
    }
    let request: Request = match protocol::decode(&line) {
        Ok(request) => request,
        Err(e) => {
            tracing::warn!(error = %e, "an admin request was not understood");
            let sentence = format!(
                "the running bot did not understand the command ({e}); if frontdesk was \
                 upgraded, restart the bot"
            );
            let _ = send(stream, &Frame::Exit(Exit::Error(sentence)));
            return;
        }
    };
    drop(line);
    // The command's name only: a request may hold a patient's chat or a
    // password.
    tracing::info!(command = request.name(), "staff command");
    let mut out = Frames::new(stream, Kind::Stdout);
    let mut err = Frames::new(stream, Kind::Stderr);
    let mut data = Frames::new(stream, Kind::Data);
    let mut output = Output {
        out: &mut out,
        err: &mut err,
        data: &mut data,
    };
    let result = cmd::execute(engine, &request, &mut output);
    let exit = match result {
        Ok(deliveries) => {
            for delivery in deliveries {
                router.deliver(delivery);
            }
            Exit::Ok(true)
        }
        Err(e) => {
            tracing::info!(command = request.name(), "staff command failed");
            Exit::Error(cmd::sentence(&e))
        }
    };
    let sent = [out.flush(), err.flush(), data.flush()]
        .into_iter()
        .collect::<io::Result<()>>()
        .and_then(|()| send(stream, &Frame::Exit(exit)));
    if let Err(e) = sent {
        tracing::warn!(command = request.name(), error = %e, "the staff command's answer was not delivered");
    }
}

fn send(stream: &UnixStream, frame: &Frame) -> io::Result<()> {
    let line = protocol::encode(frame).map_err(io::Error::other)?;
    super::send_all(stream, &line)
}

#[derive(Clone, Copy)]
enum Kind {
    Stdout,
    Stderr,
    Data,
}

/// What a command writes to one of its outputs, as frames: text a whole
/// line at a time (so a character is never cut in two), a backup in chunks.
struct Frames<'a> {
    stream: &'a UnixStream,
    kind: Kind,
    pending: Vec<u8>,
}

impl<'a> Frames<'a> {
    fn new(stream: &'a UnixStream, kind: Kind) -> Self {
        Frames {
            stream,
            kind,
            pending: Vec::new(),
        }
    }

    /// Sends the first `n` pending bytes as one frame.
    fn emit(&mut self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        let bytes: Vec<u8> = self.pending.drain(..n).collect();
        let frame = match self.kind {
            Kind::Stdout => Frame::Stdout(String::from_utf8_lossy(&bytes).into_owned()),
            Kind::Stderr => Frame::Stderr(String::from_utf8_lossy(&bytes).into_owned()),
            Kind::Data => Frame::Data(STANDARD.encode(&bytes)),
        };
        send(self.stream, &frame)
    }
}

impl Write for Frames<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        match self.kind {
            Kind::Data => {
                while self.pending.len() >= DATA_CHUNK {
                    self.emit(DATA_CHUNK)?;
                }
            }
            Kind::Stdout | Kind::Stderr => {
                if let Some(last) = self.pending.iter().rposition(|b| *b == b'\n') {
                    self.emit(last + 1)?;
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit(self.pending.len())
    }
}
