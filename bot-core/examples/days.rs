//! Scores the day reader (`understand::days`) on a labelled set: a TSV of
//! `text`, `locale` and `date` (`YYYY-MM-DD`, or `NONE` for a question that
//! names no single day), read as asked on `--today` at the shipped clinic.
//!
//! `cargo run -p frontdesk-core --example days -- eval/days-holdout.tsv
//! --today 2026-12-07` prints the share read right; `--show` also prints
//! each one read wrong (never on a held-out set).

use std::path::Path;

use frontdesk_core::Knowledge;
use frontdesk_core::understand::days::named_day;
use jiff::civil::Date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = args
        .first()
        .ok_or("usage: days FILE --today YYYY-MM-DD [--show]")?;
    let today: Date = args
        .iter()
        .position(|a| a == "--today")
        .and_then(|i| args.get(i + 1))
        .ok_or("--today YYYY-MM-DD is needed")?
        .parse()?;
    let show = args.iter().any(|a| a == "--show");
    let faq = Path::new(env!("CARGO_MANIFEST_DIR")).join("../faq");
    let clinic = Knowledge::load(&faq)?.clinic;
    let (mut right, mut total) = (0, 0);
    for line in std::fs::read_to_string(file)?.lines().skip(1) {
        let mut columns = line.split('\t');
        let (Some(text), Some(_locale), Some(expected)) =
            (columns.next(), columns.next(), columns.next())
        else {
            continue;
        };
        let read = named_day(text, today, &clinic)
            .map_or_else(|| "NONE".to_owned(), |asked| asked.date.to_string());
        total += 1;
        if read == expected.trim() {
            right += 1;
        } else if show {
            println!("{text}\texpected {expected}\tread {read}");
        }
    }
    println!(
        "{file}: {right} of {total} read right ({:.3})",
        f64::from(right) / f64::from(total.max(1))
    );
    Ok(())
}
