//! `sweep`: the retention sweep, now.

use frontdesk_core::engine::SweepReport;
use frontdesk_core::{Delivery, Engine, SledStore};

use crate::admin::protocol::Request;
use crate::cli::Cli;

pub fn run(cli: &Cli, dry_run: bool) -> anyhow::Result<()> {
    super::through_bot(cli, &Request::Sweep { dry_run })
}

/// Runs the retention sweep now (`serve` runs it daily), or with `dry_run`
/// only counts what it would delete.
pub fn execute(
    engine: &Engine<SledStore>,
    dry_run: bool,
    output: &mut super::Output,
) -> anyhow::Result<Vec<Delivery>> {
    let now = jiff::Timestamp::now();
    let (report, desk) = if dry_run {
        (engine.preview_sweep(now)?, Vec::new())
    } else {
        engine.sweep(now)?
    };
    writeln!(
        output.out,
        "{} {}",
        if dry_run { "would delete" } else { "deleted" },
        describe(&report)
    )?;
    if report.unreadable > 0 {
        writeln!(
            output.err,
            "{} record(s) could not be read and were left (their keys are logged above)",
            report.unreadable
        )?;
    }
    Ok(desk)
}

fn describe(r: &SweepReport) -> String {
    format!(
        "{} appointment(s), {} health screen(s), {} unfinished screen(s), {} closed ticket(s), \
         {} unanswered question(s), {} undelivered staff alert(s), {} conversation state(s), \
         {} audit log line(s), {} ended console session(s) and {} old web chat message(s)",
        r.appointments,
        r.screens,
        r.unfinished_screens,
        r.tickets,
        r.unanswered,
        r.alerts,
        r.conversations,
        r.audit,
        r.sessions,
        r.mailbox
    )
}
