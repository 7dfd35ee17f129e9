//! The clinic's numbers for a period of clinic days (the last seven by
//! default): conversations and messages a day, the share answered, asked
//! back and fallen back per language, the top topics, alerts by category,
//! hand-offs with the time to the first staff reply and to close, screens
//! by outcome, reminders sent and confirmed; and the same figures as CSV.
//!
//! The charts are SVG drawn here: [`columns`] and [`rows`] turn counts
//! into bars (positions and sizes), the template writes them as `<rect>`s
//! with their count in `data-count` and a `<title>`. No script, no inline
//! style (the stylesheet colours them), and no patient text: the figures
//! come from usage records that hold none (`Engine::numbers`). Clinicians
//! and the admin read them (`ReadNumbers`); opening and exporting are in
//! the audit log.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use frontdesk_core::Store;
use frontdesk_core::accounts::{AuditAction, Permission};
use frontdesk_core::stats::{self, DayCounts, Numbers, Outcome};
use jiff::civil::Date;
use serde::Deserialize;

use super::auth::Staff;
use super::guard::Failure;
use super::pages::{self, Bar, Chart, CountRow, LanguageRow};
use super::{Console, Shared};

/// The default period: today and the six clinic days before it.
const DEFAULT_DAYS: i64 = 7;
/// The longest period the page and the export take.
const MAX_DAYS: i32 = 366;
/// How many topics the page ranks (the export has them all).
const TOP_TOPICS: usize = 10;

/// The period as the form sends it: `from` and `to`, `YYYY-MM-DD`, both
/// included; empty fields mean the default.
#[derive(Debug, Default, Deserialize)]
pub struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl Period {
    /// The first and last day, or what is wrong with them.
    pub fn days(&self, today: Date) -> Result<(Date, Date), &'static str> {
        let parse = |text: &str, default: Date| -> Result<Date, &'static str> {
            match text.trim() {
                "" => Ok(default),
                day => day.parse().map_err(|_| "A day is written 2026-12-07."),
            }
        };
        let to = parse(&self.to, today)?;
        let week_before = to
            .checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1))
            .map_err(|_| "That day is out of range.")?;
        let from = parse(&self.from, week_before)?;
        if from > to {
            return Err("The first day comes after the last.");
        }
        if from
            .until(to)
            .map_or(true, |span| span.get_days() >= MAX_DAYS)
        {
            return Err("Choose a period of at most a year.");
        }
        Ok((from, to))
    }
}

/// Today in the clinic's time zone.
fn today<S: Store>(console: &Console<S>) -> Date {
    let zone = console.app.engine.knowledge().clinic.time_zone.clone();
    console.app.clock.now().to_zoned(zone).date()
}

pub async fn page<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Query(period): Query<Period>,
) -> Result<Response, Failure> {
    staff.require(Permission::ReadNumbers)?;
    let today = today(&console);
    let (error, (from, to)) = match period.days(today) {
        Ok(days) => (None, days),
        Err(why) => (
            Some(why),
            Period::default().days(today).map_err(Failure::Forbidden)?,
        ),
    };
    let numbers = read(&console, &staff, AuditAction::NumbersViewed, from, to).await?;
    Ok(pages::render(&view(staff.nav(), &numbers, error)))
}

pub async fn export<S: Store>(
    State(console): State<Shared<S>>,
    staff: Staff,
    Query(period): Query<Period>,
) -> Result<Response, Failure> {
    staff.require(Permission::ReadNumbers)?;
    let (from, to) = period.days(today(&console)).map_err(Failure::Forbidden)?;
    let numbers = read(&console, &staff, AuditAction::NumbersExported, from, to).await?;
    let disposition = format!("attachment; filename=\"numbers-{from}-to-{to}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        numbers.to_csv(),
    )
        .into_response())
}

/// The period's figures, after writing that `staff` read them.
async fn read<S: Store>(
    console: &Console<S>,
    staff: &Staff,
    action: AuditAction,
    from: Date,
    to: Date,
) -> Result<Numbers, Failure> {
    let now = console.app.clock.now();
    let entry = staff.did(now, action).on(format!("{from} to {to}"));
    console.audit(entry).await;
    Ok(console
        .blocking(move |engine| engine.numbers(from, to))
        .await??)
}

/// The page's data from the figures.
pub fn view(nav: pages::Nav, numbers: &Numbers, error: Option<&'static str>) -> pages::Numbers {
    let total = &numbers.total;
    let short = |day: &Date| day.strftime("%b %-d").to_string();
    let per_day = |figure: fn(&DayCounts) -> u64| -> Vec<(String, u64)> {
        numbers
            .days
            .iter()
            .map(|(day, counts)| (short(day), figure(counts)))
            .collect()
    };
    let languages = total
        .by_language
        .iter()
        .map(|(language, outcomes)| {
            let share = |outcome: Outcome| match outcomes.share(outcome) {
                Some(percent) => format!("{percent:.0}% ({})", outcomes.get(outcome)),
                None => "–".to_owned(),
            };
            LanguageRow {
                language: language_name(language),
                messages: outcomes.total(),
                answered: share(Outcome::Answered),
                asked_back: share(Outcome::AskedBack),
                fell_back: share(Outcome::FellBack),
            }
        })
        .collect();
    let counted = |map: &std::collections::BTreeMap<String, u64>, label: fn(&str) -> String| {
        let mut list: Vec<CountRow> = map
            .iter()
            .map(|(id, count)| CountRow {
                label: label(id),
                count: *count,
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        list
    };
    let topics: Vec<(String, u64)> = total
        .top_topics(TOP_TOPICS)
        .into_iter()
        .map(|(topic, count)| (topic.to_owned(), count))
        .collect();
    let duration = |seconds: &[i64]| stats::median(seconds).map_or("–".to_owned(), minutes);
    let query = |from: Date, to: Date| format!("from={from}&to={to}");
    pages::Numbers {
        nav,
        error,
        from: numbers.from.to_string(),
        to: numbers.to.to_string(),
        export: format!("/numbers.csv?{}", query(numbers.from, numbers.to)),
        conversations: total.conversations,
        messages: total.messages,
        messages_chart: columns("chart-messages", "Messages a day", &per_day(|c| c.messages)),
        conversations_chart: columns(
            "chart-conversations",
            "Conversations started a day",
            &per_day(|c| c.conversations),
        ),
        languages,
        topics_chart: rows("chart-topics", "Topics answered most", &topics),
        emergencies: counted(&total.emergencies, stats::emergency_label),
        urgent: counted(&total.urgent, stats::urgent_label),
        handoffs: total.handoffs,
        first_replies: total.first_replies.len(),
        first_reply: duration(&total.first_replies),
        closed: total.closes.len(),
        close: duration(&total.closes),
        screens: counted(&total.screens, stats::screen_label),
        reminders_sent: total.reminders_sent,
        reminders_confirmed: total.reminders_confirmed,
    }
}

fn language_name(id: &str) -> String {
    match id {
        "en" => "English".to_owned(),
        "es" => "Spanish".to_owned(),
        other => other.to_owned(),
    }
}

/// "12 min", "2 h 05 min", "40 s".
fn minutes(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// The drawing's size, in the SVG's own units (it scales to the page).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
/// Room for the labels under columns and beside rows.
const AXIS: f64 = 20.0;
const LABELS: f64 = 200.0;
const ROW: f64 = 22.0;

fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A column a day (or an item): heights in proportion to the largest
/// count, every column there (a zero is a column of height 0). Labels
/// under at most about 14 of them, evenly spread.
pub fn columns(id: &'static str, title: &str, points: &[(String, u64)]) -> Chart {
    let most = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / points.len().max(1) as f64;
    let every = points.len().div_ceil(14).max(1);
    let plot = HEIGHT - AXIS;
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let height = plot * *count as f64 / most;
            let x = i as f64 * slot + slot * 0.1;
            Bar {
                x: tenth(x),
                y: tenth(plot - height),
                width: tenth(slot * 0.8),
                height: tenth(height),
                count: *count,
                label: label.clone(),
                tick: (i % every == 0).then(|| (tenth(x + slot * 0.4), tenth(HEIGHT - 5.0))),
            }
        })
        .collect();
    Chart {
        id,
        title: title.to_owned(),
        width: WIDTH,
        height: HEIGHT,
        bars,
        rows: false,
    }
}

/// A row an item, the label beside it, lengths in proportion to the
/// largest count.
pub fn rows(id: &'static str, title: &str, items: &[(String, u64)]) -> Chart {
    let most = items.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let room = WIDTH - LABELS - 40.0;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, count))| {
            let y = i as f64 * ROW;
            Bar {
                x: LABELS,
                y: tenth(y + 3.0),
                width: tenth(room * *count as f64 / most),
                height: ROW - 6.0,
                count: *count,
                label: label.clone(),
                tick: Some((LABELS - 6.0, tenth(y + ROW - 7.0))),
            }
        })
        .collect();
    Chart {
        id,
        title: title.to_owned(),
        width: WIDTH,
        height: (items.len().max(1) as f64 * ROW).max(ROW),
        bars,
        rows: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_tall_as_their_counts_and_a_zero_is_still_a_column() {
        let points = [
            ("a".to_owned(), 4),
            ("b".to_owned(), 0),
            ("c".to_owned(), 2),
        ];
        let chart = columns("x", "X", &points);
        let heights: Vec<f64> = chart.bars.iter().map(|b| b.height).collect();
        assert_eq!(heights, [160.0, 0.0, 80.0]);
        assert!(chart.bars.iter().all(|b| b.y + b.height == 160.0));
        assert_eq!(chart.bars[1].count, 0);
        assert!(chart.bars.windows(2).all(|w| w[0].x < w[1].x));
    }

    #[test]
    fn rows_are_as_long_as_their_counts() {
        let items = [("price".to_owned(), 10), ("hours".to_owned(), 5)];
        let chart = rows("t", "T", &items);
        assert_eq!(chart.bars[0].width, 2.0 * chart.bars[1].width);
        assert!(chart.bars[0].y < chart.bars[1].y);
    }

    #[test]
    fn the_default_period_is_the_last_seven_clinic_days_and_a_bad_one_says_why() {
        let today = jiff::civil::date(2026, 3, 10);
        let none = Period::default();
        assert_eq!(none.days(today), Ok((jiff::civil::date(2026, 3, 4), today)));
        let period = |from: &str, to: &str| Period {
            from: from.into(),
            to: to.into(),
        };
        assert!(period("2026-03-05", "2026-03-01").days(today).is_err());
        assert!(period("2025-01-01", "2026-03-01").days(today).is_err());
        assert!(period("yesterday", "").days(today).is_err());
        assert_eq!(
            period("2026-02-01", "2026-02-28").days(today),
            Ok((
                jiff::civil::date(2026, 2, 1),
                jiff::civil::date(2026, 2, 28)
            ))
        );
    }

    #[test]
    fn durations_read_in_minutes_and_hours() {
        assert_eq!(minutes(40), "40 s");
        assert_eq!(minutes(600), "10 min");
        assert_eq!(minutes(7500), "2 h 05 min");
    }
}
