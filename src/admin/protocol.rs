//! What goes over the admin socket: newline-delimited JSON. The client sends
//! one [`Request`] line; the server answers with [`Frame`] lines (what the
//! command printed to stdout and stderr, the bytes of a backup) and ends with
//! one [`Frame::Exit`]:
//!
//! ```text
//! > {"appointments_cancel":{"id":"2026-12-01T08:00:00Z/ann"}}
//! < {"stdout":"cancelled: 2026-12-01T08:00:00Z/ann\n"}
//! < {"exit":{"ok":true}}
//! ```
//!
//! A new command is one more variant of [`Request`] (with its name in
//! [`Request::name`]) and one more arm in `cmd::execute`. A request may carry
//! what the client read from the user (a password, a patient's chat), so a
//! request's contents are never logged: its `Debug` shows only its name.

use serde::{Deserialize, Serialize};

/// One staff command and its arguments, as prepared by the client.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    Tickets {
        json: bool,
    },
    Screenings {
        json: bool,
    },
    Unanswered {
        json: bool,
    },
    Sweep {
        dry_run: bool,
    },
    /// `chat` as the client parsed it (`telegram:77`), confirmation given.
    Forget {
        chat: String,
    },
    AppointmentsAdd {
        patient: String,
        start: String,
        needling: bool,
    },
    AppointmentsList {
        json: bool,
    },
    AppointmentsCancel {
        id: String,
    },
    /// A calendar export the client read: `name` is the file as the user
    /// named it (its extension chooses the format, and messages name it).
    AppointmentsImport {
        name: String,
        text: String,
    },
    /// A consistent snapshot of the store, as [`Frame::Data`].
    Backup {},
    /// A console account, with the password the client read.
    StaffAdd {
        name: String,
        role: String,
        password: String,
    },
    StaffList {
        json: bool,
    },
    StaffRemove {
        name: String,
    },
    StaffResetPassword {
        name: String,
        password: String,
    },
    Audit {
        json: bool,
    },
}

impl Request {
    /// The command's name, the only part of a request that is logged.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Tickets { .. } => "tickets",
            Request::Screenings { .. } => "screenings",
            Request::Unanswered { .. } => "unanswered",
            Request::Sweep { .. } => "sweep",
            Request::Forget { .. } => "forget",
            Request::AppointmentsAdd { .. } => "appointments add",
            Request::AppointmentsList { .. } => "appointments list",
            Request::AppointmentsCancel { .. } => "appointments cancel",
            Request::AppointmentsImport { .. } => "appointments import",
            Request::Backup {} => "backup",
            Request::StaffAdd { .. } => "staff add",
            Request::StaffList { .. } => "staff list",
            Request::StaffRemove { .. } => "staff remove",
            Request::StaffResetPassword { .. } => "staff reset-password",
            Request::Audit { .. } => "audit",
        }
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Request({})", self.name())
    }
}

/// One line of the server's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Frame {
    /// Text the command printed to its standard output.
    Stdout(String),
    /// Text the command printed to its standard error.
    Stderr(String),
    /// A chunk of a backup, in standard base64.
    Data(String),
    /// The last frame: how the command ended.
    Exit(Exit),
}

/// How a command ended: `{"ok": true}`, or `{"error": "…"}` with the error
/// as the one sentence `Error: …` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Exit {
    Ok(bool),
    Error(String),
}

/// `value` as one line, newline included.
pub fn encode(value: &impl Serialize) -> anyhow::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    Ok(line)
}

/// One line (its newline optional) as a request or a frame. An error gives
/// the position only: the line may hold what must not be logged.
pub fn decode<T: for<'de> Deserialize<'de>>(line: &str) -> anyhow::Result<T> {
    serde_json::from_str(line.trim_end_matches(['\n', '\r'])).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Io => "cannot be read",
            serde_json::error::Category::Syntax => "is not JSON",
            serde_json::error::Category::Data => "has unexpected content",
            serde_json::error::Category::Eof => "is cut short",
        };
        anyhow::anyhow!("an admin message {what} (at column {})", e.column())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_request() -> Vec<Request> {
        vec![
            Request::Tickets { json: true },
            Request::Screenings { json: false },
            Request::Unanswered { json: true },
            Request::Sweep { dry_run: true },
            Request::Forget {
                chat: "telegram:77".into(),
            },
            Request::AppointmentsAdd {
                patient: "Ana \"Nina\" Ruiz".into(),
                start: "2026-12-01 14:30".into(),
                needling: false,
            },
            Request::AppointmentsList { json: false },
            Request::AppointmentsCancel {
                id: "2026-12-01T08:00:00Z/ann".into(),
            },
            Request::AppointmentsImport {
                name: "visits.csv".into(),
                text: "patient,start\nAna,2026-12-01 09:00\n".into(),
            },
            Request::Backup {},
            Request::StaffAdd {
                name: "maria".into(),
                role: "desk".into(),
                password: "a long \"password\"\n".into(),
            },
            Request::StaffList { json: true },
            Request::StaffRemove {
                name: "maria".into(),
            },
            Request::StaffResetPassword {
                name: "maria".into(),
                password: "another password".into(),
            },
            Request::Audit { json: false },
        ]
    }

    #[test]
    fn every_request_and_frame_comes_back_the_same_from_one_line() {
        for request in every_request() {
            let line = encode(&request).unwrap();
            assert_eq!(
                line.iter().filter(|b| **b == b'\n').count(),
                1,
                "{request:?}"
            );
            let back: Request = decode(std::str::from_utf8(&line).unwrap()).unwrap();
            assert_eq!(back, request);
        }
        for frame in [
            Frame::Stdout("no open tickets\n".into()),
            Frame::Stderr("visits.csv:line 3: bad\n".into()),
            Frame::Data("eyJrIjoiYSJ9Cg==".into()),
            Frame::Exit(Exit::Ok(true)),
            Frame::Exit(Exit::Error("no appointment with id x".into())),
        ] {
            let line = encode(&frame).unwrap();
            let back: Frame = decode(std::str::from_utf8(&line).unwrap()).unwrap();
            assert_eq!(back, frame);
        }
    }

    #[test]
    fn the_frames_are_the_documented_json() {
        let text = |frame: &Frame| String::from_utf8(encode(frame).unwrap()).unwrap();
        assert_eq!(
            text(&Frame::Exit(Exit::Ok(true))),
            "{\"exit\":{\"ok\":true}}\n"
        );
        assert_eq!(
            text(&Frame::Exit(Exit::Error("nothing".into()))),
            "{\"exit\":{\"error\":\"nothing\"}}\n"
        );
        assert_eq!(
            text(&Frame::Stdout("a\n".into())),
            "{\"stdout\":\"a\\n\"}\n"
        );
    }

    #[test]
    fn a_request_with_an_unknown_field_or_command_is_refused_without_its_contents() {
        let unknown = decode::<Request>(r#"{"tickets":{"json":true,"secret":"hunter2"}}"#);
        assert!(unknown.is_err());
        let error = decode::<Request>(r#"{"reset_everything":{"password":"hunter2"}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            !error.contains("hunter2") && !error.contains("reset"),
            "{error}"
        );
    }

    #[test]
    fn a_request_shows_only_its_name_when_debugged() {
        let request = Request::Forget {
            chat: "telegram:77".into(),
        };
        assert_eq!(format!("{request:?}"), "Request(forget)");
    }
}
