//! The command line's side of the admin socket: connect to the running bot
//! if there is one, send one request, and play back what it prints, so a
//! command run through the bot looks exactly like one run here.

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::protocol::{self, Exit, Frame, Request};

/// A connection to a running `frontdesk serve`.
pub struct Bot {
    stream: UnixStream,
    path: PathBuf,
}

/// The running bot of the data folder `data`, or `None` when no bot runs
/// there (no socket, or one left by a bot that did not stop cleanly).
pub fn connect(data: &Path) -> anyhow::Result<Option<Bot>> {
    let path = super::socket_path(data);
    match UnixStream::connect(&path) {
        Ok(stream) => Ok(Some(Bot { stream, path })),
        // InvalidInput: a path too long for a socket, where no bot can
        // listen either.
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::NotFound | ErrorKind::ConnectionRefused | ErrorKind::InvalidInput
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e).with_context(|| {
            format!(
                "cannot reach the running bot through {} (is it running as another user?)",
                path.display()
            )
        }),
    }
}

impl Bot {
    /// Sends `request` and writes what the command prints to `out` and
    /// `err`, and the bytes of a backup to `data`. The command's error comes
    /// back as the one sentence the bot made of it.
    pub fn run(
        self,
        request: &Request,
        out: &mut dyn Write,
        err: &mut dyn Write,
        data: &mut dyn Write,
    ) -> anyhow::Result<()> {
        let lost = || {
            format!(
                "lost the connection to the running bot ({})",
                self.path.display()
            )
        };
        super::send_all(&self.stream, &protocol::encode(request)?).with_context(lost)?;
        let mut frames = BufReader::new(&self.stream);
        let mut line = String::new();
        loop {
            line.clear();
            if frames.read_line(&mut line).with_context(lost)? == 0 {
                anyhow::bail!(
                    "the running bot stopped before `{}` finished; see its log",
                    request.name()
                );
            }
            match protocol::decode::<Frame>(&line).with_context(lost)? {
                Frame::Stdout(text) => out.write_all(text.as_bytes())?,
                Frame::Stderr(text) => err.write_all(text.as_bytes())?,
                Frame::Data(chunk) => {
                    let bytes = STANDARD
                        .decode(chunk)
                        .context("the running bot sent a damaged backup")?;
                    data.write_all(&bytes)?;
                }
                Frame::Exit(exit) => {
                    out.flush()?;
                    err.flush()?;
                    return match exit {
                        Exit::Ok(_) => Ok(()),
                        Exit::Error(sentence) => Err(anyhow::Error::msg(sentence)),
                    };
                }
            }
        }
    }
}
