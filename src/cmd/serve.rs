use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use frontdesk_core::{Clock, Engine, Platform, SledStore, Store, SystemClock};
use tokio::sync::watch;

use crate::cli::Cli;

pub struct Options {
    pub telegram_api_url: Option<url::Url>,
    pub discord_api_url: Option<String>,
    pub throttle: bool,
    /// How often due work (reminders, digest, waiting tickets) is checked.
    pub tick: std::time::Duration,
    /// How often the knowledge folder is checked for edits (zero: on SIGHUP only).
    pub watch: std::time::Duration,
    pub webhook: Option<(url::Url, std::net::SocketAddr)>,
    /// Where the staff console listens, over the settings file.
    pub listen: Option<std::net::SocketAddr>,
    /// The settings file named on the command line.
    pub settings: Option<std::path::PathBuf>,
}

/// A token from the environment, read once here and never printed.
fn token(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

pub fn run(cli: &Cli, options: Options) -> anyhow::Result<()> {
    let telegram = token("TELEGRAM_BOT_TOKEN");
    let discord = token("DISCORD_BOT_TOKEN");
    if telegram.is_none() && discord.is_none() {
        tracing::info!(
            "no chat platform is configured (TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN): \
             the staff console is the only desk"
        );
    }
    let settings = match &options.settings {
        Some(path) => crate::settings::Settings::load(path, true)?,
        None => crate::settings::Settings::load(std::path::Path::new("frontdesk.toml"), false)?,
    };
    let console = settings.console(options.listen);
    let engine: Arc<Engine<SledStore>> = Arc::new(super::open_engine(cli)?);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    // Caught from before anyone can reach the bot: a SIGTERM or SIGHUP sent
    // as soon as the admin socket answers is a clean stop or a reload, not
    // a kill.
    let terminate = Terminate::listen(&runtime)?;
    let hangups = {
        let _inside = runtime.enter();
        crate::reload::hangups()
    };
    // The staff commands, through this process that holds the store.
    let admin = crate::admin::server::Listener::bind(&cli.data)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // One router for all adapters: a desk on one platform serves patients on any.
    let router = Arc::new(frontdesk_core::Router::default());
    let store = engine.clone();
    let served = runtime.block_on(async move {
        // One stop signal for every adapter.
        let (stop_tx, stop_rx) = watch::channel(false);
        let stop_tx = Arc::new(stop_tx);
        {
            let stop_tx = stop_tx.clone();
            tokio::spawn(async move {
                terminate.recv().await;
                let _ = stop_tx.send(true);
            });
        }
        let stopped = move || {
            let mut rx = stop_rx.clone();
            async move {
                let _ = rx.wait_for(|stop| *stop).await;
            }
        };
        tracing::info!("{}", crate::understanding::describe(cli.understanding));
        let encoder = crate::understanding::start(engine.clone(), cli.understanding, true, || {});
        let watched = Arc::new(crate::reload::Watched::new(cli.faq.clone()));
        let teacher =
            crate::teach::FolderTeacher::new(watched.clone(), engine.clone(), encoder.clone());
        let console = frontdesk_web::Settings {
            teacher: Some(Arc::new(teacher)),
            ..console
        };
        tokio::spawn(crate::reload::watch(
            watched,
            engine.clone(),
            router.clone(),
            encoder,
            options.watch,
            hangups,
            stopped(),
        ));
        tokio::spawn(admin.serve(engine.clone(), router.clone(), stopped()));
        let mut adapters = tokio::task::JoinSet::new();
        // Every `tick` (a minute), and as soon as an adapter starts serving:
        // unclaimed tickets posted again, reminders, the digest.
        {
            let (engine, clock, router) = (engine.clone(), clock.clone(), router.clone());
            let period = options.tick;
            let stop = stopped();
            tokio::spawn(async move {
                tokio::pin!(stop);
                let mut every = tokio::time::interval(period.min(Duration::from_secs(1)));
                let mut served = Vec::new();
                let mut last = None::<tokio::time::Instant>;
                loop {
                    // Nothing new is decided once stopping has begun.
                    tokio::select! {
                        _ = every.tick() => {}
                        _ = &mut stop => break,
                    }
                    // Writes keep failing (a full or read-only disk): stop,
                    // and exit non-zero, rather than take messages it
                    // cannot keep.
                    if !engine.store_usable() {
                        tracing::error!("the store cannot be written; stopping");
                        let _ = stop_tx.send(true);
                        break;
                    }
                    let now_served: Vec<Platform> = [Platform::Telegram, Platform::Discord]
                        .into_iter()
                        .filter(|p| router.serves(*p))
                        .collect();
                    let due = last.is_none_or(|t| t.elapsed() >= period);
                    if now_served == served && !due {
                        continue;
                    }
                    served = now_served;
                    last = Some(tokio::time::Instant::now());
                    let (engine, router, now) = (engine.clone(), router.clone(), clock.now());
                    let due =
                        tokio::task::spawn_blocking(move || engine.tick_and_route(now, &router))
                            .await;
                    match due {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => tracing::error!(error = %e, "cannot check what is due"),
                        Err(e) => tracing::error!(error = %e, "the minute check panicked"),
                    }
                }
            });
        }
        // One shell for every adapter: the same engine, clock and router.
        let app = Arc::new(frontdesk_shell::App {
            engine: engine.clone(),
            clock: clock.clone(),
            router: router.clone(),
        });
        {
            let (app, stop) = (app.clone(), stopped());
            adapters.spawn(async move {
                frontdesk_web::run(
                    app,
                    console,
                    |address| tracing::info!(%address, "the staff console is at http://{address}/"),
                    stop,
                )
                .await
                .context("the staff console stopped")
            });
        }
        if let Some(token) = telegram {
            let mut settings =
                frontdesk_telegram::Settings::new(frontdesk_telegram::Token::new(token));
            settings.api_url = options.telegram_api_url;
            settings.throttle = options.throttle;
            settings.webhook = options
                .webhook
                .map(|(url, listen)| frontdesk_telegram::Webhook { url, listen });
            let app = app.clone();
            let stop = stopped();
            adapters.spawn(async move {
                tracing::info!("Telegram adapter starting");
                frontdesk_telegram::run(app, settings, stop)
                    .await
                    .context("the Telegram adapter stopped")
            });
        }
        if let Some(token) = discord {
            let settings = frontdesk_discord::Settings {
                token: frontdesk_discord::Token::new(token),
                api_proxy: options.discord_api_url,
            };
            let app = app.clone();
            let stop = stopped();
            adapters.spawn(async move {
                tracing::info!("Discord adapter starting");
                frontdesk_discord::run(app, settings, stop)
                    .await
                    .context("the Discord adapter stopped")
            });
        }
        // Adapters wind down on the stop signal (sending what is queued);
        // one still busy after STOP_GRACE (connecting to a platform it
        // cannot reach, retrying) is stopped where it is.
        let stop = stopped();
        tokio::pin!(stop);
        let mut deadline = None;
        loop {
            tokio::select! {
                next = adapters.join_next() => match next {
                    Some(result) => result.context("an adapter panicked")??,
                    None => break,
                },
                _ = &mut stop, if deadline.is_none() => {
                    deadline = Some(tokio::time::Instant::now() + STOP_GRACE);
                }
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)),
                    if deadline.is_some() =>
                {
                    tracing::warn!(
                        adapters = adapters.len(),
                        "stopping without waiting longer for the platforms"
                    );
                    adapters.abort_all();
                    break;
                }
            }
        }
        anyhow::Ok(())
    });
    // Blocking work still running (a message being handled) gets a moment;
    // every batch it wrote was flushed as it was written.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served?;
    anyhow::ensure!(
        store.store_usable(),
        "the data folder cannot be written (is the disk full or read-only?); stopped"
    );
    // Every batch was flushed as it was written; this is the last word.
    store.store().flush().context("cannot flush the store")?;
    tracing::info!("stopped");
    Ok(())
}

/// How long adapters may take to stop after SIGTERM or Ctrl-C, so that
/// `serve` always ends within 10 s.
const STOP_GRACE: Duration = Duration::from_secs(8);

/// SIGTERM (a service manager's stop) and SIGINT (Ctrl-C).
struct Terminate {
    term: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Terminate {
    /// Catches both signals from now on.
    fn listen(runtime: &tokio::runtime::Runtime) -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let _inside = runtime.enter();
        let cannot = || "cannot listen for SIGTERM and SIGINT";
        Ok(Self {
            term: signal(SignalKind::terminate()).with_context(cannot)?,
            interrupt: signal(SignalKind::interrupt()).with_context(cannot)?,
        })
    }

    /// Completes on the first of them.
    async fn recv(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}
