//! Telegram's types to the core's, and the core's replies to Telegram's.

use frontdesk_core::{ChatKey, Incoming, Input, Locale, Platform, Reply, ReplyKind};
use jiff::Timestamp;
use teloxide::types::{
    CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Me, Message, UpdateId,
};

/// Telegram refuses callback data longer than this.
pub const MAX_CALLBACK_DATA: usize = 64;

/// A text message as the core's input, or `None` when the bot should stay
/// quiet: messages from bots, messages without text, and group messages not
/// addressed to the bot (no mention, not a command, not a reply to it).
pub fn incoming_message(
    msg: &Message,
    me: &Me,
    update: UpdateId,
    at: Timestamp,
) -> Option<Incoming> {
    let from = msg.from.as_ref()?;
    if from.is_bot {
        return None;
    }
    let text = msg.text()?;
    let shared = !msg.chat.is_private();
    let text = if shared {
        addressed_text(msg, text, me)?
    } else {
        text.to_owned()
    };
    Some(Incoming {
        chat: ChatKey::new(Platform::Telegram, &msg.chat.id.0.to_string()).ok()?,
        input: Input::from_text(&text),
        at,
        locale_hint: from
            .language_code
            .as_deref()
            .and_then(|l| Locale::parse(l).ok()),
        shared,
        display_name: Some(from.full_name()),
        sequence: Some(sequence(update)),
    })
}

/// In a group: the text without the bot's @mention, if the message is for the
/// bot at all.
fn addressed_text(msg: &Message, text: &str, me: &Me) -> Option<String> {
    let mention = format!("@{}", me.username());
    let lower = text.to_lowercase();
    if let Some(at) = lower.find(&mention.to_lowercase()) {
        if text.starts_with('/') {
            // "/help@bot args": the core drops the @bot suffix itself.
            return Some(text.to_owned());
        }
        let mut without = String::with_capacity(text.len());
        without.push_str(&text[..at]);
        without.push_str(&text[at + mention.len()..]);
        return Some(without.trim().to_owned());
    }
    let replying_to_bot = msg
        .reply_to_message()
        .and_then(|r| r.from.as_ref())
        .is_some_and(|u| u.id == me.user.id);
    (replying_to_bot || text.starts_with('/')).then(|| text.to_owned())
}

/// A button press as the core's input.
pub fn incoming_callback(
    query: &CallbackQuery,
    update: UpdateId,
    at: Timestamp,
) -> Option<Incoming> {
    let message = query.message.as_ref()?;
    let data = query.data.as_ref()?;
    Some(Incoming {
        chat: ChatKey::new(Platform::Telegram, &message.chat().id.0.to_string()).ok()?,
        input: Input::Choice(data.clone()),
        at,
        locale_hint: query
            .from
            .language_code
            .as_deref()
            .and_then(|l| Locale::parse(l).ok()),
        shared: !message.chat().is_private(),
        display_name: Some(query.from.full_name()),
        sequence: Some(sequence(update)),
    })
}

/// Telegram delivers an update again if the bot died before acknowledging
/// it: the update id lets the engine recognise the repeat.
fn sequence(update: UpdateId) -> u64 {
    u64::from(update.0)
}

/// Whether a button press claims to come from someone other than the user of
/// the private chat its message is in. Telegram never sends such a press
/// (only a private chat's own user sees its buttons), so it is forged: it
/// must not act on that patient's chat.
pub fn forged_press(query: &CallbackQuery) -> bool {
    query.message.as_ref().is_some_and(|m| {
        let chat = m.chat();
        chat.is_private() && u64::try_from(chat.id.0).ok() != Some(query.from.id.0)
    })
}

/// Callback data of a desk post's Claim button.
pub const CLAIM_PREFIX: &str = "desk:claim:";

/// The Claim button of a desk post.
pub fn claim_button(number: u64) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        format!("Claim #{number}"),
        format!("{CLAIM_PREFIX}{number}"),
    )]])
}

/// The most characters Telegram takes in one message.
pub const MAX_TEXT: usize = 4096;

/// Escaped text cut into messages Telegram accepts, in order: at most
/// [`MAX_TEXT`] characters each, cut after a paragraph, a line, a sentence
/// or a word where there is one in the second half, never inside an entity
/// such as `&amp;` (the text holds no tags: everything is escaped). Blank
/// pieces are dropped.
pub fn split_html(text: &str) -> Vec<String> {
    frontdesk_shell::split_text(text, MAX_TEXT, &["\n\n", "\n", ". ", " "], |head, cut| {
        // Not inside an entity: back to its `&`.
        match head[..cut].rfind('&') {
            Some(amp) if !head[amp..cut].contains(';') => amp,
            _ => cut,
        }
    })
}

/// A reply as Telegram HTML (everything escaped: the core sends plain text)
/// and an inline keyboard, one button per row. Used for deliveries from other
/// adapters too, which know nothing of the bot's username.
pub fn render_plain(reply: &Reply) -> (String, Option<InlineKeyboardMarkup>) {
    let text = teloxide::utils::html::escape(&reply.text);
    let rows = button_rows(reply);
    (
        text,
        (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows)),
    )
}

fn button_rows(reply: &Reply) -> Vec<Vec<InlineKeyboardButton>> {
    reply
        .choices
        .iter()
        .filter(|c| {
            let fits = c.id.len() <= MAX_CALLBACK_DATA;
            if !fits {
                tracing::warn!(id = %c.id, "button id too long for Telegram; left out");
            }
            fits
        })
        .map(|c| {
            vec![InlineKeyboardButton::callback(
                c.label.clone(),
                c.id.clone(),
            )]
        })
        .collect()
}

/// [`render_plain`], plus the way to a private chat on a move-to-private reply.
pub fn render(reply: &Reply, me: &Me) -> (String, Option<InlineKeyboardMarkup>) {
    let text = teloxide::utils::html::escape(&reply.text);
    let mut rows = button_rows(reply);
    if reply.kind == ReplyKind::MoveToPrivate
        && let Ok(url) = url::Url::parse(&format!("https://t.me/{}?start=private", me.username()))
    {
        rows.push(vec![InlineKeyboardButton::url(
            format!("@{}", me.username()),
            url,
        )]);
    }
    (
        text,
        (!rows.is_empty()).then(|| InlineKeyboardMarkup::new(rows)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_core::Choice;

    fn reply(text: &str) -> Reply {
        Reply {
            kind: ReplyKind::Answer,
            text: text.into(),
            choices: vec![
                Choice {
                    id: "topic:does-it-hurt".into(),
                    label: "Does it hurt?".into(),
                },
                Choice {
                    id: format!("ans:{}:x", "q".repeat(70)),
                    label: "too long".into(),
                },
            ],
            topic: None,
            question: None,
            numbered: true,
        }
    }

    fn me() -> Me {
        serde_json::from_value(serde_json::json!({
            "id": 1, "is_bot": true, "first_name": "Bot", "username": "clinic_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "has_main_web_app": false
        }))
        .unwrap()
    }

    #[test]
    fn long_text_is_cut_at_sentences_within_the_limit_and_never_inside_an_entity() {
        let sentence = "Fish &amp; chips are fine before a visit. ";
        let text = sentence.repeat(300);
        let pieces = split_html(&text);
        assert!(pieces.len() >= 3, "{}", pieces.len());
        assert_eq!(pieces.concat(), text, "nothing lost or added");
        for piece in &pieces {
            assert!(piece.chars().count() <= MAX_TEXT);
            assert!(
                piece.ends_with(". "),
                "cut at a sentence: {:?}",
                &piece[piece.len() - 20..]
            );
        }
        // No boundary at all: a cut by length, still outside the entity.
        let dense = "&amp;".repeat(2000);
        let pieces = split_html(&dense);
        assert_eq!(pieces.concat(), dense);
        assert!(
            pieces
                .iter()
                .all(|p| p.starts_with("&amp;") && p.ends_with(';'))
        );
        assert_eq!(split_html("short"), ["short"]);
    }

    #[test]
    fn text_is_escaped_for_html_and_long_button_ids_are_left_out() {
        let (text, markup) = render(&reply("<b>5 & 6</b> *_[]"), &me());
        assert_eq!(text, "&lt;b&gt;5 &amp; 6&lt;/b&gt; *_[]");
        let markup = markup.unwrap();
        assert_eq!(markup.inline_keyboard.len(), 1);
    }
}
