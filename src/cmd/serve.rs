use std::sync::Arc;

use anyhow::Context;
use frontdesk_core::SystemClock;
use frontdesk_telegram::{App, Settings, Token, Webhook};

use crate::cli::Cli;

pub struct Options {
    pub telegram_api_url: Option<url::Url>,
    pub throttle: bool,
    pub webhook: Option<(url::Url, std::net::SocketAddr)>,
}

pub fn run(cli: &Cli, options: Options) -> anyhow::Result<()> {
    // The token is read here once and never printed.
    let token = std::env::var("TELEGRAM_BOT_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let Some(token) = token else {
        anyhow::bail!(
            "no chat platform is configured: set TELEGRAM_BOT_TOKEN (see README, \"Telegram\")"
        );
    };
    let mut settings = Settings::new(Token::new(token.trim()));
    settings.api_url = options.telegram_api_url;
    settings.throttle = options.throttle;
    settings.webhook = options.webhook.map(|(url, listen)| Webhook { url, listen });

    let engine = Arc::new(super::open_engine(cli)?);
    let app = Arc::new(App {
        engine,
        clock: Arc::new(SystemClock),
    });
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        tracing::info!("Telegram adapter starting");
        frontdesk_telegram::run(app, settings, terminate())
            .await
            .context("the Telegram adapter stopped")
    })
}

/// Completes on SIGTERM (Ctrl-C is handled by the dispatcher itself).
async fn terminate() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            term.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await
}
