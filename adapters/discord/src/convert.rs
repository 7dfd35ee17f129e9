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

/// Escapes Discord markdown so text shows exactly as written.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')'
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

/// A reply as a channel message that pings nobody.
pub fn message(reply: &Reply) -> CreateMessage {
    CreateMessage::new()
        .content(escape_markdown(&reply.text))
        .components(buttons(reply))
        .allowed_mentions(CreateAllowedMentions::new())
}

/// Plain text as a channel message that pings nobody.
pub fn plain_message(text: String) -> CreateMessage {
    CreateMessage::new()
        .content(text)
        .allowed_mentions(CreateAllowedMentions::new())
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
    }
}
