//! Long polling that survives a batch of updates teloxide cannot read.
//!
//! teloxide reads a `getUpdates` answer as a whole. When its JSON is invalid
//! (a lone surrogate escape such as `\ud800`, which no Rust string can hold)
//! every retry fails on the same batch, since the offset never moves on, and
//! the bot would answer nobody again. So the listener's error handler takes
//! such a batch: it replaces each lone surrogate with U+FFFD, hands every
//! update that then reads to the handler tree (in order; one that still does
//! not read is skipped and logged), and confirms the batch to Telegram so that
//! polling goes on after it. Telegram's own Bot API never sends such JSON;
//! this keeps a broken or hostile API server from stopping the bot.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Store;
use teloxide::RequestError;
use teloxide::dptree;
use teloxide::prelude::*;
use teloxide::types::Me;

use crate::{App, Tg};

/// Recovers the batch in a `getUpdates` answer that did not parse, if it is
/// one; returns whether it was (and so was handled and confirmed).
pub async fn recover<S: Store>(bot: &Tg, me: &Me, app: &Arc<App<S>>, raw: &str) -> bool {
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&without_lone_surrogates(raw)) else {
        return false;
    };
    let Some(batch) = body["result"].as_array().filter(|_| body["ok"] == true) else {
        return false;
    };
    let mut next_offset = None;
    for value in batch {
        let Some(id) = value["update_id"].as_i64() else {
            continue;
        };
        next_offset = next_offset.max(Some(id + 1));
        match serde_json::from_str::<Update>(&value.to_string()) {
            Ok(update) => {
                let deps = dptree::deps![bot.clone(), me.clone(), app.clone(), update];
                if let ControlFlow::Break(Err(e)) = crate::handler::<S>().dispatch(deps).await {
                    tracing::error!(error = %e, "a recovered update could not be handled");
                }
            }
            Err(e) => {
                tracing::warn!(update_id = id, error = %e, "an unreadable update was skipped")
            }
        }
    }
    if let Some(offset) = next_offset.and_then(|o| i32::try_from(o).ok()) {
        confirm(bot.raw(), offset).await;
    }
    true
}

/// Makes Telegram forget every update before `offset`. The updates this call
/// returns are left alone: polling, whose offset is older, fetches them again.
async fn confirm(bot: &Bot, offset: i32) {
    for attempt in 1..=5 {
        match bot.get_updates().offset(offset).limit(1).timeout(0).await {
            // Any answer at all (even one that does not parse) means Telegram
            // has taken the offset.
            Err(RequestError::Network(_) | RequestError::Io(_)) if attempt < 5 => {
                tokio::time::sleep(Duration::from_millis(250) * attempt).await;
            }
            _ => return,
        }
    }
}

/// JSON text with every lone surrogate escape (a `\uD800`–`\uDFFF` not part
/// of a pair) replaced by `\ufffd`; everything else is kept as it was.
pub fn without_lone_surrogates(json: &str) -> String {
    fn unit(s: &str) -> Option<u16> {
        let hex = s.strip_prefix("\\u")?.get(..4)?;
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit())
            .then(|| u16::from_str_radix(hex, 16).ok())
            .flatten()
    }
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let taken = match unit(rest) {
            Some(0xD800..=0xDBFF) if matches!(unit(&rest[6..]), Some(0xDC00..=0xDFFF)) => 12,
            Some(0xD800..=0xDFFF) => {
                out.push_str("\\ufffd");
                rest = &rest[6..];
                continue;
            }
            // Any other escape: the backslash and the character it escapes.
            _ => 1 + rest[1..].chars().next().map_or(0, char::len_utf8),
        };
        out.push_str(&rest[..taken]);
        rest = &rest[taken..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_stay() {
        assert_eq!(
            without_lone_surrogates(r#"{"t":"a\ud800b \udc00 \\ud800 \ud83d\ude00 \u00e9 \""}"#),
            r#"{"t":"a\ufffdb \ufffd \\ud800 \ud83d\ude00 \u00e9 \""}"#
        );
        assert_eq!(
            without_lone_surrogates(r"\udc00\ud800"),
            r"\ufffd\ufffd",
            "a reversed pair is two lone halves"
        );
        assert_eq!(without_lone_surrogates(r"\ud800\u00"), r"\ufffd\u00");
        assert_eq!(without_lone_surrogates("é\\"), "é\\");
    }
}
