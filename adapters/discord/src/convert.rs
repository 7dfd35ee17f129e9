//! Discord's types to the core's, and the core's replies to Discord's.

use frontdesk_core::Reply;
use serenity::all::{
    ActionRow, ActionRowComponent, ButtonKind, ButtonStyle, CreateActionRow, CreateAllowedMentions,
    CreateButton, CreateInteractionResponseMessage, CreateMessage, Message, UserId,
};

/// Discord allows five buttons a row and five rows.
const PER_ROW: usize = 5;
const MAX_ROWS: usize = 5;
const MAX_LABEL: usize = 80;
const MAX_CUSTOM_ID: usize = 100;
/// Discord refuses a message longer than this (in characters).
pub const MAX_CONTENT: usize = 2000;

/// The text of a message meant for the bot, and whether it was in a shared
/// channel; `None` when the bot should stay quiet (a server message that
/// does not mention it).
pub fn addressed(msg: &Message, me: UserId) -> Option<(String, bool)> {
    if msg.guild_id.is_none() {
        return Some((msg.content.clone(), false));
    }
    let mentions = [format!("<@{me}>"), format!("<@!{me}>")];
    let mentioned =
        msg.mentions.iter().any(|u| u.id == me) || mentions.iter().any(|m| msg.content.contains(m));
    if !mentioned {
        return None;
    }
    let mut text = msg.content.clone();
    for m in &mentions {
        text = text.replace(m, " ");
    }
    Some((text.trim().to_owned(), true))
}

/// Escapes Discord markdown so text shows exactly as written, mention
/// syntax (`<@123>`, `<@&456>`, `<#789>`) included: it shows as typed, not as
/// a mention (which pings nobody anyway: see `allowed_mentions`).
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '<' | '>' | '#' | '[' | ']' | '(' | ')'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A reply's choices as rows of buttons.
pub fn buttons(reply: &Reply) -> Vec<CreateActionRow> {
    let buttons: Vec<CreateButton> = reply
        .choices
        .iter()
        .filter(|c| c.id.len() <= MAX_CUSTOM_ID)
        .map(|c| {
            CreateButton::new(c.id.clone())
                .label(c.label.chars().take(MAX_LABEL).collect::<String>())
                .style(ButtonStyle::Secondary)
        })
        .collect();
    buttons
        .chunks(PER_ROW)
        .take(MAX_ROWS)
        .map(|row| CreateActionRow::Buttons(row.to_vec()))
        .collect()
}

/// The custom id of a desk post's Claim button.
pub const CLAIM_PREFIX: &str = "desk:claim:";

/// The Claim button of a desk post.
pub fn claim_button(number: u64) -> CreateActionRow {
    CreateActionRow::Buttons(vec![
        CreateButton::new(format!("{CLAIM_PREFIX}{number}"))
            .label(format!("Claim #{number}"))
            .style(ButtonStyle::Primary),
    ])
}

/// The ticket a pressed Claim button claims.
pub fn claimed(custom_id: &str) -> Option<u64> {
    custom_id.strip_prefix(CLAIM_PREFIX)?.parse().ok()
}

/// Content cut into pieces Discord accepts, in order: at most
/// [`MAX_CONTENT`] characters each, cut after a line break or a space where
/// there is one in the second half, never between an escaping backslash and
/// the character it escapes. Blank pieces are dropped.
pub fn split_content(content: &str) -> Vec<String> {
    frontdesk_shell::split_text(content, MAX_CONTENT, &["\n", " "], |head, cut| {
        let backslashes = head[..cut]
            .bytes()
            .rev()
            .take_while(|b| *b == b'\\')
            .count();
        cut - backslashes % 2
    })
}

/// A reply as channel messages that ping nobody: one, unless its text is too
/// long for one (the buttons go with the last).
pub fn message(reply: &Reply) -> Vec<CreateMessage> {
    let mut messages = plain_message(escape_markdown(&reply.text));
    if let Some(last) = messages.pop() {
        messages.push(last.components(buttons(reply)));
    }
    messages
}

/// Plain text (already escaped) as channel messages that ping nobody: one,
/// unless it is too long for one.
pub fn plain_message(text: String) -> Vec<CreateMessage> {
    split_content(&text)
        .into_iter()
        .map(|piece| {
            CreateMessage::new()
                .content(piece)
                .allowed_mentions(CreateAllowedMentions::new())
        })
        .collect()
}

/// A reply as an interaction response message that pings nobody.
pub fn interaction_message(reply: &Reply) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(escape_markdown(&reply.text))
        .components(buttons(reply))
        .allowed_mentions(CreateAllowedMentions::new())
}

/// The same buttons, all disabled.
pub fn disabled(rows: &[ActionRow]) -> Vec<CreateActionRow> {
    rows.iter()
        .map(|row| {
            let buttons = row
                .components
                .iter()
                .filter_map(|c| match c {
                    ActionRowComponent::Button(b) => match &b.data {
                        ButtonKind::NonLink { custom_id, style } => Some(
                            CreateButton::new(custom_id.clone())
                                .label(b.label.clone().unwrap_or_default())
                                .style(*style)
                                .disabled(true),
                        ),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            CreateActionRow::Buttons(buttons)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_escaped_so_it_shows_literally() {
        assert_eq!(
            escape_markdown("*hi* _x_ `c` ~~s~~ ||p||"),
            r"\*hi\* \_x\_ \`c\` \~\~s\~\~ \|\|p\|\|"
        );
        assert_eq!(
            escape_markdown("@everyone"),
            "@everyone",
            "pings are stopped by allowed_mentions"
        );
        assert_eq!(escape_markdown("<@1> <#2>"), r"\<@1\> \<\#2\>");
    }

    #[test]
    fn long_content_is_cut_into_pieces_discord_accepts() {
        assert_eq!(split_content("short"), ["short"]);
        let words = "word ".repeat(1_000);
        let pieces = split_content(&words);
        assert!(pieces.iter().all(|p| p.chars().count() <= MAX_CONTENT));
        assert!(pieces[0].ends_with(' '), "cut after a space");
        assert_eq!(pieces.concat(), words);
        // A cut never separates an escape from what it escapes.
        let escaped = escape_markdown(&"x*".repeat(2_000));
        let pieces = split_content(&escaped);
        assert_eq!(pieces.concat(), escaped);
        assert!(pieces.iter().all(|p| p.chars().count() <= MAX_CONTENT));
        assert!(pieces.iter().all(|p| !p.ends_with('\\')), "{pieces:?}");
        assert!(split_content("  ").is_empty());
    }
}
