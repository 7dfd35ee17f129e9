//! `frontdesk staff`: console accounts. Passwords are read here (typed
//! twice on the terminal without echo, or one line of standard input with
//! `--password-stdin`) and only their Argon2id hash is kept. Every change
//! is in the audit log, as done from the command line.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use frontdesk_core::accounts::{AccountName, AuditAction, AuditEntry, Password, Role};
use frontdesk_core::{Engine, SledStore};
use serde::Serialize;

use crate::cli::{Cli, StaffCommand};

/// Who the audit log names for changes made with the command line.
pub const COMMAND_LINE: &str = "command line";

/// A staff change, with its password already read.
pub enum Request {
    Add {
        name: AccountName,
        role: Role,
        password: Password,
    },
    List {
        json: bool,
    },
    Remove {
        name: AccountName,
    },
    ResetPassword {
        name: AccountName,
        password: Password,
    },
}

pub fn run(cli: &Cli, action: &StaffCommand) -> anyhow::Result<()> {
    let request = request(action)?;
    let engine = super::open_engine(cli)?;
    execute(&engine, &request, &mut std::io::stdout().lock())
}

/// Reads what the command needs from the person at the terminal.
pub fn request(action: &StaffCommand) -> anyhow::Result<Request> {
    Ok(match action {
        StaffCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let name = AccountName::parse(name)?;
            let role = Role::parse(role)?;
            let password = read_password(&name, *password_stdin)?;
            Request::Add {
                name,
                role,
                password,
            }
        }
        StaffCommand::List { json } => Request::List { json: *json },
        StaffCommand::Remove { name } => Request::Remove {
            name: AccountName::parse(name)?,
        },
        StaffCommand::ResetPassword {
            name,
            password_stdin,
        } => {
            let name = AccountName::parse(name)?;
            let password = read_password(&name, *password_stdin)?;
            Request::ResetPassword { name, password }
        }
    })
}

#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    role: &'a str,
    created: String,
    password_changed: String,
}

pub fn execute(
    engine: &Engine<SledStore>,
    request: &Request,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let audit = |action: AuditAction, name: &AccountName| {
        engine
            .audit(&AuditEntry::new(now, COMMAND_LINE, action).on(format!("account {name}")))
            .context("the change was made, but it could not be written to the audit log")
    };
    match request {
        Request::Add {
            name,
            role,
            password,
        } => {
            engine.add_account(name, *role, password, now)?;
            audit(AuditAction::StaffAdded, name)?;
            writeln!(out, "added {name} ({role})")?;
        }
        Request::List { json } => {
            let accounts = engine.accounts()?;
            let rows: Vec<Row> = accounts
                .iter()
                .map(|a| Row {
                    name: a.name.as_str(),
                    role: a.role.as_str(),
                    created: super::clinic_time(engine, a.created),
                    password_changed: super::clinic_time(engine, a.password_changed),
                })
                .collect();
            if *json {
                writeln!(out, "{}", serde_json::to_string(&rows)?)?;
            } else if rows.is_empty() {
                writeln!(
                    out,
                    "no staff accounts yet: add one with `frontdesk staff add NAME --role admin`"
                )?;
            } else {
                for r in &rows {
                    writeln!(
                        out,
                        "{:<20} {:<10} added {}, password set {}",
                        r.name, r.role, r.created, r.password_changed
                    )?;
                }
            }
        }
        Request::Remove { name } => {
            engine.remove_account(name)?;
            audit(AuditAction::StaffRemoved, name)?;
            writeln!(out, "removed {name}; their sessions have ended")?;
        }
        Request::ResetPassword { name, password } => {
            engine.reset_password(name, password, now)?;
            audit(AuditAction::PasswordReset, name)?;
            writeln!(
                out,
                "new password set for {name}; their sessions have ended"
            )?;
        }
    }
    Ok(())
}

/// The new password: one line of standard input, or typed twice on the
/// terminal without echo.
fn read_password(name: &AccountName, from_stdin: bool) -> anyhow::Result<Password> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let line = line.trim_end_matches(['\r', '\n']);
        return Ok(Password::parse(line)?);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "no terminal to type the password on: pipe it in with --password-stdin"
    );
    let first = zeroize::Zeroizing::new(
        rpassword::prompt_password(format!("New password for {name}: "))
            .context("cannot read the password")?,
    );
    let password = Password::parse(&first)?;
    let again = zeroize::Zeroizing::new(
        rpassword::prompt_password("The same password again: ")
            .context("cannot read the password")?,
    );
    anyhow::ensure!(
        *first == *again,
        "the two passwords differ; nothing was changed"
    );
    Ok(password)
}
