//! `frontdesk audit`: the staff audit log, oldest first, as text or JSON
//! lines. Exporting it is itself written to the log.

use std::io::Write;

use frontdesk_core::accounts::{AuditAction, AuditEntry};
use frontdesk_core::{Engine, SledStore};

use crate::admin::protocol::Request;
use crate::cli::Cli;

pub fn run(cli: &Cli, json: bool) -> anyhow::Result<()> {
    super::through_bot(cli, &Request::Audit { json })
}

pub fn execute(engine: &Engine<SledStore>, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let log = engine.audit_log()?;
    for entry in &log {
        if json {
            writeln!(out, "{}", serde_json::to_string(entry)?)?;
        } else {
            writeln!(
                out,
                "{}  {}  {}{}{}",
                super::clinic_time(engine, entry.at),
                entry.who,
                entry.action,
                entry
                    .target
                    .as_deref()
                    .map_or(String::new(), |t| format!("  {t}")),
                entry
                    .from
                    .as_deref()
                    .map_or(String::new(), |f| format!("  from {f}")),
            )?;
        }
    }
    if log.is_empty() && !json {
        writeln!(out, "the audit log is empty")?;
    }
    let exported = AuditEntry::new(
        jiff::Timestamp::now(),
        super::staff::COMMAND_LINE,
        AuditAction::AuditExported,
    );
    engine.audit(&exported)?;
    Ok(())
}
