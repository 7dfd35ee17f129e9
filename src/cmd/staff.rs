//! `frontdesk staff`: console accounts. Passwords are read here (typed
//! twice on the terminal without echo, or one line of standard input with
//! `--password-stdin`) and only their Argon2id hash is kept. Every change
//! is in the audit log, as done from the command line.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use frontdesk_core::accounts::{AccountName, AuditAction, AuditEntry, Password, Role};
use frontdesk_core::{Engine, SledStore};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::admin::protocol::Request;
use crate::cli::{Cli, StaffCommand};

/// Who the audit log names for changes made with the command line.
pub const COMMAND_LINE: &str = "command line";

pub fn run(cli: &Cli, action: &StaffCommand) -> anyhow::Result<()> {
    let request = request(action)?;
    super::through_bot(cli, &request)
}

/// Checks what was typed and reads the password from the person at the
/// terminal, before anything is sent.
fn request(action: &StaffCommand) -> anyhow::Result<Request> {
    Ok(match action {
        StaffCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let name = AccountName::parse(name)?;
            Role::parse(role)?;
            Request::StaffAdd {
                password: read_password(&name, *password_stdin)?.to_string(),
                name: name.to_string(),
                role: role.trim().to_owned(),
            }
        }
        StaffCommand::List { json } => Request::StaffList { json: *json },
        StaffCommand::Remove { name } => Request::StaffRemove {
            name: AccountName::parse(name)?.to_string(),
        },
        StaffCommand::ResetPassword {
            name,
            password_stdin,
        } => {
            let name = AccountName::parse(name)?;
            Request::StaffResetPassword {
                password: read_password(&name, *password_stdin)?.to_string(),
                name: name.to_string(),
            }
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
        Request::StaffAdd {
            name,
            role,
            password,
        } => {
            let name = AccountName::parse(name)?;
            let role = Role::parse(role)?;
            engine.add_account(&name, role, &Password::parse(password)?, now)?;
            audit(AuditAction::StaffAdded, &name)?;
            writeln!(out, "added {name} ({role})")?;
        }
        Request::StaffList { json } => list(engine, *json, out)?,
        Request::StaffRemove { name } => {
            let name = AccountName::parse(name)?;
            engine.remove_account(&name)?;
            audit(AuditAction::StaffRemoved, &name)?;
            writeln!(out, "removed {name}; their sessions have ended")?;
        }
        Request::StaffResetPassword { name, password } => {
            let name = AccountName::parse(name)?;
            engine.reset_password(&name, &Password::parse(password)?, now)?;
            audit(AuditAction::PasswordReset, &name)?;
            writeln!(
                out,
                "new password set for {name}; their sessions have ended"
            )?;
        }
        _ => unreachable!("cmd::execute sends only staff requests here"),
    }
    Ok(())
}

fn list(engine: &Engine<SledStore>, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
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
    if json {
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
    Ok(())
}

/// The new password, checked: one line of standard input, or typed twice
/// on the terminal without echo.
fn read_password(name: &AccountName, from_stdin: bool) -> anyhow::Result<Zeroizing<String>> {
    let password = if from_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        anyhow::ensure!(
            std::io::stdin().is_terminal(),
            "no terminal to type the password on: pipe it in with --password-stdin"
        );
        let first = Zeroizing::new(
            rpassword::prompt_password(format!("New password for {name}: "))
                .context("cannot read the password")?,
        );
        Password::parse(&first)?;
        let again = Zeroizing::new(
            rpassword::prompt_password("The same password again: ")
                .context("cannot read the password")?,
        );
        anyhow::ensure!(
            *first == *again,
            "the two passwords differ; nothing was changed"
        );
        first
    };
    Password::parse(&password)?;
    Ok(password)
}
