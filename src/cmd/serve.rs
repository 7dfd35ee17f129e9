use std::sync::Arc;

use anyhow::Context;
use frontdesk_core::{Clock, Engine, SledStore, SystemClock};
use tokio::sync::watch;

use crate::cli::Cli;

pub struct Options {
    pub telegram_api_url: Option<url::Url>,
    pub throttle: bool,
    pub webhook: Option<(url::Url, std::net::SocketAddr)>,
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
        anyhow::bail!(
            "no chat platform is configured: set TELEGRAM_BOT_TOKEN and/or DISCORD_BOT_TOKEN (see the README)"
        );
    }
    let engine: Arc<Engine<SledStore>> = Arc::new(super::open_engine(cli)?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // One router for all adapters: a desk on one platform serves patients on any.
    let router = Arc::new(frontdesk_core::handoff::Router::default());
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        // One stop signal for every adapter.
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            terminate().await;
            let _ = stop_tx.send(true);
        });
        let stopped = move || {
            let mut rx = stop_rx.clone();
            async move {
                let _ = rx.wait_for(|stop| *stop).await;
            }
        };
        let mut adapters = tokio::task::JoinSet::new();
        // Every minute: unclaimed tickets posted again, reminders, the digest.
        {
            let (engine, clock, router) = (engine.clone(), clock.clone(), router.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    every.tick().await;
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
        if let Some(token) = telegram {
            let mut settings =
                frontdesk_telegram::Settings::new(frontdesk_telegram::Token::new(token));
            settings.api_url = options.telegram_api_url;
            settings.throttle = options.throttle;
            settings.webhook = options
                .webhook
                .map(|(url, listen)| frontdesk_telegram::Webhook { url, listen });
            let app = Arc::new(frontdesk_telegram::App {
                engine: engine.clone(),
                clock: clock.clone(),
                router: router.clone(),
            });
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
                api_proxy: None,
            };
            let app = Arc::new(frontdesk_discord::App {
                engine: engine.clone(),
                clock: clock.clone(),
                router: router.clone(),
            });
            let stop = stopped();
            adapters.spawn(async move {
                tracing::info!("Discord adapter starting");
                frontdesk_discord::run(app, settings, stop)
                    .await
                    .context("the Discord adapter stopped")
            });
        }
        while let Some(result) = adapters.join_next().await {
            result.context("an adapter panicked")??;
        }
        Ok(())
    })
}

/// Completes on SIGTERM or Ctrl-C.
async fn terminate() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
