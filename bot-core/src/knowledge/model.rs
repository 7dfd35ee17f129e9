//! What a knowledge folder holds once loaded and validated: FAQ topics in
//! both languages, the bot's own sentences, and the words patients use.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::chat::RedFlag;
use crate::ids::{Locale, TopicId};

/// A topic's text in one language, placeholders filled in.
#[derive(Debug, Clone)]
pub struct LocalText {
    pub question: String,
    /// Wordings the lexical matcher matches against (and the classifier
    /// trains on).
    pub phrasings: Vec<String>,
    /// More wordings, for training the semantic classifier only.
    pub examples: Vec<String>,
    pub answer: String,
}

/// One FAQ topic.
#[derive(Debug, Clone)]
pub struct Topic {
    pub id: TopicId,
    pub related: Vec<TopicId>,
    /// The answer gives the opening hours (`{hours}`): it is told the day a
    /// question names and the coming closed days too.
    pub shows_hours: bool,
    pub(super) en: LocalText,
    pub(super) es: LocalText,
}

impl Topic {
    pub fn text(&self, locale: Locale) -> &LocalText {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }
}

/// The bot's own sentences in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageSet {
    pub welcome: String,
    pub help: String,
    pub emergency: String,
    pub emergency_self_harm: String,
    /// An overdose or poisoning: the emergency number, and the crisis line
    /// in case it was on purpose.
    pub emergency_overdose: String,
    /// Triage tier 2: contact the clinic or a doctor today.
    pub urgent: String,
    pub clarify: String,
    pub fallback: String,
    pub fallback_medicine: String,
    /// A clinician advised against needling: the team reviews first.
    pub advised_against: String,
    pub human_button: String,
    pub no_thanks_button: String,
    pub screen_button: String,
    pub private_only: String,
    pub human_requested: String,
    pub human_requested_closed: String,
    pub human_waiting: String,
    /// Said once to a patient whose ticket nobody has claimed after the
    /// desk's reply time, during opening hours.
    pub human_still_waiting: String,
    pub handoff_ended: String,
    pub link_ok: String,
    pub link_invalid: String,
    pub human_declined: String,
    pub language_set: String,
    pub language_usage: String,
    pub unknown_command: String,
    pub empty_message: String,
    pub stale_button: String,
    pub internal_error: String,
    pub reminder: String,
    pub reminder_tips: String,
    pub reminder_screen: String,
    pub reminder_reply: String,
    pub confirm_button: String,
    pub reschedule_button: String,
    pub cancel_button: String,
    pub appointment_confirmed: String,
    pub cancel_check: String,
    pub cancel_yes_button: String,
    pub keep_button: String,
    pub appointment_cancelled: String,
    pub appointment_kept: String,
    pub reschedule_requested: String,
    pub no_appointment: String,
    pub forget_check: String,
    pub forget_yes_button: String,
    pub forget_no_button: String,
    pub forgotten: String,
    pub forget_kept: String,
    pub smalltalk_greeting: String,
    pub smalltalk_thanks: String,
    pub smalltalk_goodbye: String,
    pub smalltalk_ack: String,
    /// Before the button of a message's second question.
    pub also_asked: String,
    /// An answer about hours that named an open day: `{day}` and its
    /// hours `{open}`.
    pub open_on_day: String,
    /// An answer about hours that named a closed `{day}`.
    pub closed_on_day: String,
    /// After an answer about hours: the coming closed `{days}`.
    pub closed_days: String,
    /// The web chat's own words: its launcher, panel and status lines.
    pub chat_launcher: String,
    pub chat_your_message: String,
    pub chat_placeholder: String,
    pub chat_send: String,
    pub chat_close: String,
    pub chat_start_over: String,
    pub chat_typing: String,
    pub chat_reconnecting: String,
    pub chat_too_long: String,
    pub chat_too_many: String,
    pub chat_not_sent: String,
}

impl MessageSet {
    /// The emergency answer for a category: the one place that decides it,
    /// for every platform and command. A crisis (self-harm, an overdose)
    /// gets the crisis line in a caring tone.
    pub fn emergency_for(&self, flag: RedFlag) -> &str {
        match flag {
            RedFlag::SelfHarm => &self.emergency_self_harm,
            RedFlag::Overdose => &self.emergency_overdose,
            _ => &self.emergency,
        }
    }

    pub(super) fn fields_mut(&mut self) -> [&mut String; 67] {
        [
            &mut self.welcome,
            &mut self.help,
            &mut self.emergency,
            &mut self.emergency_self_harm,
            &mut self.emergency_overdose,
            &mut self.urgent,
            &mut self.clarify,
            &mut self.fallback,
            &mut self.fallback_medicine,
            &mut self.advised_against,
            &mut self.human_button,
            &mut self.no_thanks_button,
            &mut self.screen_button,
            &mut self.private_only,
            &mut self.human_requested,
            &mut self.human_requested_closed,
            &mut self.human_waiting,
            &mut self.human_still_waiting,
            &mut self.handoff_ended,
            &mut self.link_ok,
            &mut self.link_invalid,
            &mut self.human_declined,
            &mut self.language_set,
            &mut self.language_usage,
            &mut self.unknown_command,
            &mut self.empty_message,
            &mut self.stale_button,
            &mut self.internal_error,
            &mut self.reminder,
            &mut self.reminder_tips,
            &mut self.reminder_screen,
            &mut self.reminder_reply,
            &mut self.confirm_button,
            &mut self.reschedule_button,
            &mut self.cancel_button,
            &mut self.appointment_confirmed,
            &mut self.cancel_check,
            &mut self.cancel_yes_button,
            &mut self.keep_button,
            &mut self.appointment_cancelled,
            &mut self.appointment_kept,
            &mut self.reschedule_requested,
            &mut self.no_appointment,
            &mut self.forget_check,
            &mut self.forget_yes_button,
            &mut self.forget_no_button,
            &mut self.forgotten,
            &mut self.forget_kept,
            &mut self.smalltalk_greeting,
            &mut self.smalltalk_thanks,
            &mut self.smalltalk_goodbye,
            &mut self.smalltalk_ack,
            &mut self.also_asked,
            &mut self.open_on_day,
            &mut self.closed_on_day,
            &mut self.closed_days,
            &mut self.chat_launcher,
            &mut self.chat_your_message,
            &mut self.chat_placeholder,
            &mut self.chat_send,
            &mut self.chat_close,
            &mut self.chat_start_over,
            &mut self.chat_typing,
            &mut self.chat_reconnecting,
            &mut self.chat_too_long,
            &mut self.chat_too_many,
            &mut self.chat_not_sent,
        ]
    }
}

/// Words patients use, for one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LexiconSet {
    /// Canonical word (as the knowledge file writes it) → words and phrases
    /// patients use for it.
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Words that mark a question as outside what the clinic answers.
    #[serde(default)]
    pub out_of_scope: Vec<String>,
}

/// What patients ask that this clinic does not answer, for training the
/// out-of-scope class: other treatments, other medical questions, other
/// businesses, jobs, chit-chat; and, apart, advice about medicines.
#[derive(Debug, Clone, Default)]
pub struct OutOfScope {
    pub other: Vec<String>,
    pub medicine: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScopeSet {
    #[serde(default)]
    other: Vec<toml::Spanned<String>>,
    #[serde(default)]
    medicine: Vec<toml::Spanned<String>>,
}

/// `out-of-scope.toml`: `[en]` and `[es]`, each with `other` and `medicine`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutOfScope {
    #[serde(default)]
    en: RawScopeSet,
    #[serde(default)]
    es: RawScopeSet,
}

impl RawOutOfScope {
    /// Every example with where it is written.
    pub(super) fn examples(&self) -> impl Iterator<Item = &toml::Spanned<String>> {
        [&self.en, &self.es]
            .into_iter()
            .flat_map(|set| set.other.iter().chain(&set.medicine))
    }

    pub(super) fn merged(self) -> OutOfScope {
        let texts = |list: Vec<toml::Spanned<String>>| list.into_iter().map(|s| s.into_inner());
        OutOfScope {
            other: texts(self.en.other).chain(texts(self.es.other)).collect(),
            medicine: texts(self.en.medicine)
                .chain(texts(self.es.medicine))
                .collect(),
        }
    }
}

/// Examples of small talk, for the learned reader that hears what the
/// small-talk rules miss: thanks, greetings, goodbyes and "ok"s, and
/// messages that look like them but ask or tell something (`asks`).
#[derive(Debug, Clone, Default)]
pub struct SmallTalkExamples {
    pub thanks: Vec<String>,
    pub greeting: Vec<String>,
    pub goodbye: Vec<String>,
    pub ok: Vec<String>,
    pub asks: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTalkSet {
    #[serde(default)]
    thanks: Vec<String>,
    #[serde(default)]
    greeting: Vec<String>,
    #[serde(default)]
    goodbye: Vec<String>,
    #[serde(default)]
    ok: Vec<String>,
    #[serde(default)]
    asks: Vec<String>,
}

/// `small-talk.toml`: `[en]` and `[es]`, each with `thanks`, `greeting`,
/// `goodbye`, `ok` and `asks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmallTalk {
    #[serde(default)]
    en: RawTalkSet,
    #[serde(default)]
    es: RawTalkSet,
}

impl RawSmallTalk {
    pub(super) fn merged(self) -> SmallTalkExamples {
        let (en, es) = (self.en, self.es);
        let both = |a: Vec<String>, b: Vec<String>| a.into_iter().chain(b).collect();
        SmallTalkExamples {
            thanks: both(en.thanks, es.thanks),
            greeting: both(en.greeting, es.greeting),
            goodbye: both(en.goodbye, es.goodbye),
            ok: both(en.ok, es.ok),
            asks: both(en.asks, es.asks),
        }
    }
}
