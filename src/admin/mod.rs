//! The admin interface: how the staff commands (`tickets`, `forget`,
//! `backup`, …) reach a running `frontdesk serve`. The store can be open in
//! one process only, so `serve` listens on a Unix socket, `admin.sock` in the
//! data folder (mode 0600: only the user the bot runs as can connect), and
//! runs each command there, on its own engine, with the same code the command
//! runs when no bot is running. The command line is the client: it prepares
//! the request (reads the import file, asks `forget`'s confirmation, writes
//! the backup file) and prints what comes back exactly as it would have
//! printed it itself. See docs/admin.md.
//!
//! # Layout
//!
//! - `protocol`: the request enum and the response frames, one JSON object a
//!   line.
//! - `server`: the socket's listener inside `serve`.
//! - `client`: connecting from a command, and playing the frames back.

pub mod client;
pub mod protocol;
pub mod server;

use std::path::{Path, PathBuf};

/// The socket's file name in the data folder.
pub const SOCKET: &str = "admin.sock";

/// Where the running bot listens, for the data folder `data`.
pub fn socket_path(data: &Path) -> PathBuf {
    data.join(SOCKET)
}

/// Writes all of `bytes` to the socket. A peer that has gone away is an
/// error, never SIGPIPE: `main` restores SIGPIPE's default, which would end
/// the bot, or end a command without a word.
fn send_all(stream: &std::os::unix::net::UnixStream, mut bytes: &[u8]) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    const FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    const FLAGS: libc::c_int = 0;
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe `bytes`, which outlives
        // the call; the descriptor is the stream's, open while borrowed.
        let sent = unsafe {
            libc::send(
                stream.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                FLAGS,
            )
        };
        if sent < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        bytes = &bytes[sent as usize..];
    }
    Ok(())
}
