use frontdesk_core::engine::SweepReport;

use crate::cli::Cli;

/// Runs the retention sweep now (`serve` runs it daily), or with `dry_run`
/// only counts what it would delete.
pub fn run(cli: &Cli, dry_run: bool) -> anyhow::Result<()> {
    let engine = super::open_engine(cli)?;
    let now = jiff::Timestamp::now();
    let report = if dry_run {
        engine.preview_sweep(now)?
    } else {
        engine.sweep(now)?
    };
    println!(
        "{} {}",
        if dry_run { "would delete" } else { "deleted" },
        describe(&report)
    );
    if report.unreadable > 0 {
        eprintln!(
            "{} record(s) could not be read and were left (their keys are logged above)",
            report.unreadable
        );
    }
    Ok(())
}

fn describe(r: &SweepReport) -> String {
    format!(
        "{} appointment(s), {} health screen(s), {} unfinished screen(s), {} closed ticket(s), \
         {} unanswered question(s), {} undelivered staff alert(s) and {} conversation state(s)",
        r.appointments,
        r.screens,
        r.unfinished_screens,
        r.tickets,
        r.unanswered,
        r.alerts,
        r.conversations
    )
}
