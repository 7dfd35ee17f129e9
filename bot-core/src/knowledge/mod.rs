//! The curated knowledge the bot answers from, loaded from a folder of TOML files
//! that clinic staff edit:
//!
//! - `knowledge.toml`: the FAQ topics (id, question, phrasings, answer, related
//!   topics) in English and Spanish;
//! - `clinic.toml`: the clinic's facts, which answers cite as `{placeholder}`;
//! - `messages.toml`: the bot's own sentences (welcome, emergency, fallback…);
//! - `lexicon.toml`: words patients use for the knowledge file's words, and
//!   subjects the clinic does not handle;
//! - `screening.toml`: the pre-visit health screen ([`crate::screening`]);
//! - `desk.toml`: staff and staff desks for hand-offs ([`crate::handoff`]);
//! - `reminders.toml` (optional): appointment reminders and the staff's
//!   daily digest ([`crate::appointments::reminders`]);
//! - `retention.toml` (optional): how long patients' records are kept
//!   ([`crate::retention`]).
//!
//! Loading validates everything at once and reports every problem with file,
//! line and column, so a broken edit is never half-applied.
//!
//! # Layout
//!
//! - `mod.rs`: [`Knowledge`], loading a folder, and its [`Diagnostic`]s.
//! - `model`: what a folder holds once loaded: topics, the bot's messages,
//!   the lexicon.
//! - [`clinic`]: the clinic's facts and opening hours.
//! - [`teach`]: the console's changes to the folder (a patient's question
//!   added as a wording or as out of scope, and undone), checked before
//!   they are written.
//!
//! Each feature's own settings ([`ReminderSettings`], [`RetentionSettings`],
//! [`DeskConfig`], [`Screening`]) are defined by that feature and only read
//! here, so this module depends on the features and none of them on it
//! (but for the clinic's facts).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::appointments::reminders::{RawReminders, ReminderSettings};
use crate::handoff::DeskConfig;
use crate::ids::{Locale, TopicId};
use crate::retention::{RawRetention, RetentionSettings};
use crate::screening::{RawScreening, Screening};
use crate::text::fold;

pub mod clinic;
mod model;
pub mod teach;

use clinic::RawClinic;
pub use clinic::{Clinic, Closure, DateOrder, English, WebChat};
pub use model::{LexiconSet, LocalText, MessageSet, OutOfScope, SmallTalkExamples, Topic};
use model::{RawOutOfScope, RawSmallTalk};

/// Longest answer, in characters, after placeholders are filled in: short enough
/// for any chat platform (Discord's limit is 2,000, Telegram's 4,096).
pub const MAX_ANSWER_CHARS: usize = 1000;

pub const KNOWLEDGE_FILE: &str = "knowledge.toml";
pub const CLINIC_FILE: &str = "clinic.toml";
pub const MESSAGES_FILE: &str = "messages.toml";
pub const LEXICON_FILE: &str = "lexicon.toml";
pub const SCREENING_FILE: &str = "screening.toml";
pub const DESK_FILE: &str = "desk.toml";
/// Optional: without it, the defaults of [`ReminderSettings`] apply.
pub const REMINDERS_FILE: &str = "reminders.toml";
/// Optional: without it, the defaults of [`RetentionSettings`] apply.
pub const RETENTION_FILE: &str = "retention.toml";
/// Optional: examples of what the clinic does not answer, for the semantic
/// classifier's out-of-scope class.
pub const OUT_OF_SCOPE_FILE: &str = "out-of-scope.toml";
/// Optional: examples of small talk, for the learned reader beside the
/// small-talk rules.
pub const SMALL_TALK_FILE: &str = "small-talk.toml";

/// One problem found in a knowledge folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Why a knowledge folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", list(.0))]
    Invalid(Vec<Diagnostic>),
}

fn list(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    en: LexiconSet,
    es: LexiconSet,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessages {
    en: MessageSet,
    es: MessageSet,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnowledge {
    topic: Vec<RawTopic>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: toml::Spanned<String>,
    #[serde(default)]
    related: Vec<toml::Spanned<String>>,
    en: RawLocalText,
    es: RawLocalText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocalText {
    question: String,
    #[serde(default)]
    phrasings: Vec<toml::Spanned<String>>,
    #[serde(default)]
    examples: Vec<toml::Spanned<String>>,
    answer: toml::Spanned<String>,
}

/// Everything the bot knows, validated. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Knowledge {
    pub clinic: Clinic,
    topics: Vec<Topic>,
    by_id: HashMap<TopicId, usize>,
    en: MessageSet,
    es: MessageSet,
    lexicon_en: LexiconSet,
    lexicon_es: LexiconSet,
    screening: Screening,
    desk: DeskConfig,
    reminders: ReminderSettings,
    retention: RetentionSettings,
    out_of_scope: OutOfScope,
    small_talk: SmallTalkExamples,
    /// What loads but should be changed (a confusing screen question).
    warnings: Vec<Diagnostic>,
}

/// One source file's text, for turning byte offsets into lines.
struct Source {
    path: PathBuf,
    text: String,
}

impl Source {
    /// The file `name` of `dir`, or the text `edit` gives for it.
    fn read(dir: &Path, name: &str, edit: Edit) -> Result<Source, KnowledgeError> {
        let path = dir.join(name);
        if let Some((_, text)) = edit.filter(|(file, _)| *file == name) {
            let text = text.to_owned();
            return Ok(Source { path, text });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| KnowledgeError::Read {
            path: path.clone(),
            source,
        })?;
        Ok(Source { path, text })
    }

    /// A file that may be absent.
    fn read_optional(dir: &Path, name: &str, edit: Edit) -> Result<Option<Source>, KnowledgeError> {
        match Source::read(dir, name, edit) {
            Ok(source) => Ok(Some(source)),
            Err(KnowledgeError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn at(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let offset = span.start.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostic {
            file: self.path.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        toml::from_str(&self.text)
            .map_err(|e| self.at(e.span().unwrap_or(0..0), e.message().trim_end().to_owned()))
    }
}

/// One file of a folder given as text instead of read: (file name, text).
type Edit<'a> = Option<(&'a str, &'a str)>;

impl Knowledge {
    /// Loads and validates a knowledge folder.
    pub fn load(dir: &Path) -> Result<Knowledge, KnowledgeError> {
        Knowledge::load_with(dir, None)
    }

    /// Loads and validates `dir` as it would be with its file `file`
    /// holding `text`: a change checked before it is written.
    pub fn load_edited(dir: &Path, file: &str, text: &str) -> Result<Knowledge, KnowledgeError> {
        Knowledge::load_with(dir, Some((file, text)))
    }

    fn load_with(dir: &Path, edit: Edit) -> Result<Knowledge, KnowledgeError> {
        let clinic_src = Source::read(dir, CLINIC_FILE, edit)?;
        let knowledge_src = Source::read(dir, KNOWLEDGE_FILE, edit)?;
        let messages_src = Source::read(dir, MESSAGES_FILE, edit)?;
        let lexicon_src = Source::read(dir, LEXICON_FILE, edit)?;
        let screening_src = Source::read(dir, SCREENING_FILE, edit)?;
        let desk_src = Source::read(dir, DESK_FILE, edit)?;
        let reminders_src = Source::read_optional(dir, REMINDERS_FILE, edit)?;
        let retention_src = Source::read_optional(dir, RETENTION_FILE, edit)?;
        let scope_src = Source::read_optional(dir, OUT_OF_SCOPE_FILE, edit)?;
        let talk_src = Source::read_optional(dir, SMALL_TALK_FILE, edit)?;

        let mut diags = Vec::new();
        let clinic = clinic_src
            .parse::<RawClinic>()
            .map_err(|d| vec![d])
            .and_then(|raw| {
                raw.validate().map_err(|errors| {
                    errors
                        .into_iter()
                        .map(|(e, span)| clinic_src.at(span, e.to_string()))
                        .collect()
                })
            });
        let raw_knowledge = knowledge_src.parse::<RawKnowledge>();
        let raw_messages = messages_src.parse::<RawMessages>();
        let raw_lexicon = lexicon_src.parse::<RawLexicon>();
        let desk = desk_src.parse::<DeskConfig>();
        let screening = screening_src
            .parse::<RawScreening>()
            .map_err(|d| vec![d])
            .and_then(|raw| {
                raw.validate().map_err(|problems| {
                    problems
                        .into_iter()
                        .map(|p| screening_src.at(p.span, p.message))
                        .collect()
                })
            });
        let screening = match screening {
            Ok(s) => Some(s),
            Err(mut d) => {
                diags.append(&mut d);
                None
            }
        };

        let clinic = match clinic {
            Ok(c) => Some(c),
            Err(mut d) => {
                diags.append(&mut d);
                None
            }
        };
        let (raw_knowledge, raw_messages, raw_lexicon) =
            match (raw_knowledge, raw_messages, raw_lexicon) {
                (Ok(k), Ok(m), Ok(l)) => (k, m, l),
                (k, m, l) => {
                    diags.extend(k.err());
                    diags.extend(m.err());
                    diags.extend(l.err());
                    return Err(KnowledgeError::Invalid(diags));
                }
            };
        let desk = match desk {
            Ok(d) => Some(d),
            Err(d) => {
                diags.push(d);
                None
            }
        };
        let (Some(clinic), Some(screening), Some(desk)) = (clinic, screening, desk) else {
            return Err(KnowledgeError::Invalid(diags));
        };
        let warnings = screening
            .warnings()
            .iter()
            .map(|p| screening_src.at(p.span.clone(), p.message.clone()))
            .collect();
        // The screen's texts are not filled like the others: spelled here.
        let mut screening = screening;
        screening.spell_english(clinic.english);

        let topics = build_topics(raw_knowledge, &clinic, &knowledge_src, &mut diags);
        let reminders =
            optional_settings(reminders_src.as_ref(), &mut diags, |raw: RawReminders| {
                raw.validate(|id| topics.iter().any(|t| t.id == *id))
            });
        let retention =
            optional_settings(retention_src.as_ref(), &mut diags, |raw: RawRetention| {
                raw.validate()
            });
        let out_of_scope =
            optional_settings(scope_src.as_ref(), &mut diags, |raw: RawOutOfScope| {
                not_a_topic_wording(&raw, &topics).map(|()| raw.merged())
            });
        let small_talk = optional_settings(talk_src.as_ref(), &mut diags, |raw: RawSmallTalk| {
            no_checks(raw.merged())
        });
        let mut en = raw_messages.en;
        let mut es = raw_messages.es;
        for (locale, set) in [(Locale::En, &mut en), (Locale::Es, &mut es)] {
            for field in set.fields_mut() {
                match fill(field, &clinic, locale) {
                    Ok(text) => *field = text,
                    Err(name) => diags.push(messages_src.at(
                        0..0,
                        format!("messages.{locale}: unknown placeholder {{{name}}}"),
                    )),
                }
            }
        }
        if !diags.is_empty() {
            return Err(KnowledgeError::Invalid(diags));
        }
        let by_id = topics
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        Ok(Knowledge {
            clinic,
            topics,
            by_id,
            en,
            es,
            lexicon_en: raw_lexicon.en,
            lexicon_es: raw_lexicon.es,
            screening,
            desk,
            reminders,
            retention,
            out_of_scope,
            small_talk,
            warnings,
        })
    }

    /// What loads but should be changed, with file and line, for
    /// `frontdesk check` to warn about.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    pub fn topic(&self, id: &TopicId) -> Option<&Topic> {
        self.by_id.get(id).map(|&i| &self.topics[i])
    }

    /// A topic's position in [`Knowledge::topics`].
    pub fn topic_index(&self, id: &TopicId) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn messages(&self, locale: Locale) -> &MessageSet {
        match locale {
            Locale::En => &self.en,
            Locale::Es => &self.es,
        }
    }

    pub fn lexicon(&self, locale: Locale) -> &LexiconSet {
        match locale {
            Locale::En => &self.lexicon_en,
            Locale::Es => &self.lexicon_es,
        }
    }

    pub fn screening(&self) -> &Screening {
        &self.screening
    }

    /// Values a clinic has most likely not replaced yet: the shipped
    /// example's (a 555-01xx phone number, a `.example` address, the sample
    /// staff and desk ids), and a time zone written as an abbreviation or
    /// fixed offset ("EST" has no daylight saving). Each as a sentence, for
    /// `frontdesk check` to warn about; the folder still loads.
    pub fn example_values(&self) -> Vec<String> {
        let c = &self.clinic;
        let mut found = Vec::new();
        if c.phone.contains("555-01") || c.phone.contains("5550") {
            found.push(format!(
                "clinic.toml: phone {:?} is a fictional 555 number",
                c.phone
            ));
        }
        for (name, value) in [("email", &c.email), ("booking_url", &c.booking_url)] {
            if value.contains(".example") {
                found.push(format!(
                    "clinic.toml: {name} {value:?} is the example domain"
                ));
            }
        }
        let zone = c.time_zone_name.as_str();
        if !zone.contains('/') && !zone.eq_ignore_ascii_case("UTC") {
            found.push(format!(
                "clinic.toml: time_zone {zone:?} is an abbreviation or fixed offset: use a \
                 place name such as \"America/New_York\", so daylight saving is followed"
            ));
        }
        const SAMPLE_IDS: [&str; 6] = [
            "1300000000000000001",
            "1300000000000000002",
            "1300000000000000011",
            "1300000000000000012",
            "-1001000000001",
            "5000001",
        ];
        let desk = self.desk();
        let ids = desk
            .staff
            .iter()
            .flat_map(|m| [m.telegram.as_deref(), m.discord.as_deref()])
            .flatten()
            .chain(desk.discord_staff_roles.iter().map(String::as_str))
            .chain(desk.discord_channel.as_deref())
            .chain(desk.telegram_group.as_deref());
        for id in ids.filter(|id| SAMPLE_IDS.contains(id)) {
            found.push(format!(
                "desk.toml: {id} is one of the sample ids (send /whoami to the bot to find yours)"
            ));
        }
        found
    }

    pub fn desk(&self) -> &DeskConfig {
        &self.desk
    }

    pub fn reminders(&self) -> &ReminderSettings {
        &self.reminders
    }

    /// Examples of what the clinic does not answer (both languages).
    pub fn out_of_scope(&self) -> &OutOfScope {
        &self.out_of_scope
    }

    /// Examples of small talk (both languages).
    pub fn small_talk(&self) -> &SmallTalkExamples {
        &self.small_talk
    }

    pub fn retention(&self) -> &RetentionSettings {
        &self.retention
    }

    /// The ids in `required` that this knowledge lacks (for checking against
    /// the project's topic list).
    pub fn missing_topics<'a>(&self, required: &'a [TopicId]) -> Vec<&'a TopicId> {
        required
            .iter()
            .filter(|id| !self.by_id.contains_key(*id))
            .collect()
    }
}

fn build_topics(
    raw: RawKnowledge,
    clinic: &Clinic,
    src: &Source,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Topic> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Each wording (folded) with its topic and line.
    let mut wordings: HashMap<String, (TopicId, usize)> = HashMap::new();
    let known: HashSet<String> = raw.topic.iter().map(|t| t.id.get_ref().clone()).collect();
    let mut topics = Vec::with_capacity(raw.topic.len());
    for raw_topic in raw.topic {
        let id_span = raw_topic.id.span();
        let id = match TopicId::parse(raw_topic.id.get_ref()) {
            Ok(id) => id,
            Err(e) => {
                diags.push(src.at(id_span, e.to_string()));
                continue;
            }
        };
        let here = src.at(id_span.clone(), "");
        if let Some(first) = seen.insert(id.to_string(), here.line) {
            diags.push(src.at(
                id_span.clone(),
                format!("duplicate topic id {id:?} (first defined on line {first})"),
            ));
        }
        let mut related = Vec::new();
        for r in &raw_topic.related {
            if r.get_ref() == id.as_str() {
                diags.push(src.at(r.span(), format!("topic {id} lists itself as related")));
            } else if !known.contains(r.get_ref()) {
                diags.push(src.at(
                    r.span(),
                    format!("related topic {:?} does not exist", r.get_ref()),
                ));
            } else if let Ok(rid) = TopicId::parse(r.get_ref()) {
                related.push(rid);
            }
        }
        for (locale, text) in [(Locale::En, &raw_topic.en), (Locale::Es, &raw_topic.es)] {
            for wording in text.phrasings.iter().chain(&text.examples) {
                let line = src.at(wording.span(), "").line;
                match wordings.get(&fold(wording.get_ref())) {
                    Some((other, first)) if *other != id => diags.push(src.at(
                        wording.span(),
                        format!(
                            "{id}.{locale}: {:?} is also a wording of topic {other} (line \
                             {first}); a wording belongs to one topic",
                            wording.get_ref()
                        ),
                    )),
                    Some(_) => {}
                    None => {
                        wordings.insert(fold(wording.get_ref()), (id.clone(), line));
                    }
                }
            }
        }
        let mut local = |locale: Locale, text: RawLocalText| -> LocalText {
            let span = text.answer.span();
            let answer = match fill(text.answer.get_ref(), clinic, locale) {
                Ok(a) => a,
                Err(name) => {
                    diags.push(src.at(
                        span.clone(),
                        format!("{id}.{locale}.answer: unknown placeholder {{{name}}}"),
                    ));
                    String::new()
                }
            };
            let chars = answer.chars().count();
            if chars > MAX_ANSWER_CHARS {
                diags.push(src.at(
                    span.clone(),
                    format!(
                        "{id}.{locale}.answer is {chars} characters with placeholders filled in; the limit is {MAX_ANSWER_CHARS}"
                    ),
                ));
            }
            if text.answer.get_ref().trim().is_empty() {
                diags.push(src.at(span, format!("{id}.{locale}.answer is empty")));
            }
            let texts = |list: Vec<toml::Spanned<String>>| {
                list.into_iter().map(toml::Spanned::into_inner).collect()
            };
            LocalText {
                question: text.question,
                phrasings: texts(text.phrasings),
                examples: texts(text.examples),
                answer: answer.trim().to_owned(),
            }
        };
        let shows_hours = [&raw_topic.en, &raw_topic.es]
            .iter()
            .any(|text| text.answer.get_ref().contains("{hours}"));
        let en = local(Locale::En, raw_topic.en);
        let es = local(Locale::Es, raw_topic.es);
        topics.push(Topic {
            id,
            related,
            shows_hours,
            en,
            es,
        });
    }
    topics
}

/// Settings from an optional file: the defaults without it; with it, its
/// parse and validation problems as diagnostics (and the defaults, so the
/// rest of the folder is still checked).
/// For [`optional_settings`]: a file with nothing to check beyond its
/// fields (examples of out of scope, of small talk).
/// An out-of-scope example must not be a topic's wording: the two would
/// teach the classifier opposite things.
fn not_a_topic_wording(
    raw: &RawOutOfScope,
    topics: &[Topic],
) -> Result<(), Vec<(String, Range<usize>)>> {
    let mut wordings: HashMap<String, &TopicId> = HashMap::new();
    for topic in topics {
        for locale in [Locale::En, Locale::Es] {
            let text = topic.text(locale);
            for wording in text.phrasings.iter().chain(&text.examples) {
                wordings.insert(fold(wording), &topic.id);
            }
        }
    }
    let errors: Vec<_> = raw
        .examples()
        .filter_map(|example| {
            let topic = wordings.get(&fold(example.get_ref()))?;
            Some((
                format!(
                    "{:?} is a wording of topic {topic} in {KNOWLEDGE_FILE}; an example is \
                     either a topic's or out of scope",
                    example.get_ref()
                ),
                example.span(),
            ))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn no_checks<T>(value: T) -> Result<T, Vec<(String, Range<usize>)>> {
    Ok(value)
}

fn optional_settings<R, T, E>(
    src: Option<&Source>,
    diags: &mut Vec<Diagnostic>,
    validate: impl FnOnce(R) -> Result<T, Vec<(E, Range<usize>)>>,
) -> T
where
    R: serde::de::DeserializeOwned,
    T: Default,
    E: fmt::Display,
{
    let Some(src) = src else {
        return T::default();
    };
    let validated = src.parse::<R>().map_err(|d| vec![d]).and_then(|raw| {
        validate(raw).map_err(|errors| {
            errors
                .into_iter()
                .map(|(e, span)| src.at(span, e.to_string()))
                .collect()
        })
    });
    validated.unwrap_or_else(|mut d| {
        diags.append(&mut d);
        T::default()
    })
}

/// Placeholders that depend on the moment a message is sent.
const RUNTIME_PLACEHOLDERS: [&str; 6] = ["opens", "when", "within", "day", "days", "open"];

/// Fills `{placeholder}`s from the clinic's facts; the error is the first
/// unknown placeholder's name.
fn fill(template: &str, clinic: &Clinic, locale: Locale) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(after.chars().take(20).collect());
        };
        let name = &after[..close];
        if RUNTIME_PLACEHOLDERS.contains(&name) {
            // Filled in when the message is sent.
            out.push_str(&rest[open..open + close + 2]);
            rest = &after[close + 1..];
            continue;
        }
        out.push_str(
            &clinic
                .placeholder(locale, name)
                .ok_or_else(|| name.to_owned())?,
        );
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(match locale {
        Locale::En => clinic.english.spell(&out),
        Locale::Es => out,
    })
}

/// Reads topic ids from the first column of a TSV file with a header (the
/// project's `topics.tsv`).
pub fn read_topic_list(path: &Path) -> Result<Vec<TopicId>, KnowledgeError> {
    let text = std::fs::read_to_string(path).map_err(|source| KnowledgeError::Read {
        path: path.to_owned(),
        source,
    })?;
    let src = Source {
        path: path.to_owned(),
        text,
    };
    let mut ids = Vec::new();
    let mut diags = Vec::new();
    let mut offset = 0;
    for (n, line) in src.text.lines().enumerate() {
        let start = offset;
        offset += line.len() + 1;
        if n == 0 || line.trim().is_empty() {
            continue;
        }
        let first = line.split('\t').next().unwrap_or_default().trim();
        match TopicId::parse(first) {
            Ok(id) => ids.push(id),
            Err(e) => diags.push(src.at(start..start, e.to_string())),
        }
    }
    if diags.is_empty() {
        Ok(ids)
    } else {
        Err(KnowledgeError::Invalid(diags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::faq_dir;

    #[test]
    fn the_shipped_example_values_are_pointed_out_and_an_abbreviated_time_zone_too() {
        let shipped = Knowledge::load(&faq_dir()).unwrap();
        let found = shipped.example_values().join("\n");
        for expected in ["555", ".example", "1300000000000000001", "5000001"] {
            assert!(found.contains(expected), "{expected}: {found}");
        }
        let dir = edited(CLINIC_FILE, |t| {
            t.replace("\"America/New_York\"", "\"EST\"")
        });
        let est = Knowledge::load(dir.path())
            .unwrap()
            .example_values()
            .join("\n");
        assert!(est.contains("\"EST\" is an abbreviation"), "{est}");
    }

    #[test]
    fn each_language_names_a_command_one_way_in_its_welcome_and_help() {
        let k = Knowledge::load(&faq_dir()).unwrap();
        for locale in [Locale::En, Locale::Es] {
            let m = k.messages(locale);
            let text = format!("{}\n{}", m.welcome, m.help);
            let named =
                |c: &str| text.contains(&format!("/{c} ")) || text.contains(&format!("/{c}\n"));
            for (en, es) in [("forget", "olvidar"), ("language", "idioma")] {
                assert!(
                    !(named(en) && named(es)),
                    "{locale:?} names both /{en} and /{es}"
                );
            }
        }
    }

    #[test]
    fn the_screen_and_the_reminder_give_one_figure_for_how_long_the_screen_takes() {
        let length = regex::Regex::new(r"(?:about|unos) (\w+) minut").unwrap();
        let mut figures = std::collections::BTreeSet::new();
        for file in [SCREENING_FILE, MESSAGES_FILE] {
            let text = std::fs::read_to_string(faq_dir().join(file)).unwrap();
            for line in text
                .lines()
                .filter(|l| l.contains("health") || l.contains("salud"))
            {
                figures.extend(length.captures_iter(line).map(|c| c[1].to_owned()));
            }
        }
        assert_eq!(figures.len(), 1, "{figures:?}");
    }

    /// A copy of the shipped folder with one file edited.
    fn edited(file: &str, edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut edit = Some(edit);
        for name in [
            KNOWLEDGE_FILE,
            CLINIC_FILE,
            MESSAGES_FILE,
            LEXICON_FILE,
            SCREENING_FILE,
            DESK_FILE,
            REMINDERS_FILE,
            SMALL_TALK_FILE,
        ] {
            let text = std::fs::read_to_string(faq_dir().join(name)).unwrap();
            let text = match edit.take_if(|_| name == file) {
                Some(edit) => edit(text),
                None => text,
            };
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn diagnostics(dir: &tempfile::TempDir) -> Vec<Diagnostic> {
        match Knowledge::load(dir.path()) {
            Err(KnowledgeError::Invalid(d)) => d,
            other => panic!("expected validation errors, got {other:?}"),
        }
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    #[test]
    fn the_shipped_folder_is_valid_and_covers_both_languages() {
        let k = Knowledge::load(&faq_dir()).unwrap();
        assert!(k.topics().len() >= 46);
        for topic in k.topics() {
            for locale in Locale::ALL {
                let text = topic.text(locale);
                assert!(!text.answer.is_empty(), "{} {locale}", topic.id);
                assert!(text.answer.chars().count() <= MAX_ANSWER_CHARS);
                assert!(
                    !text.answer.contains('{'),
                    "unfilled placeholder in {}",
                    topic.id
                );
            }
        }
    }

    #[test]
    fn a_toml_syntax_error_names_the_file_and_line() {
        let dir = edited(KNOWLEDGE_FILE, |t| {
            t.replacen("id = \"does-it-hurt\"", "id = \"does-it-hurt", 1)
        });
        let d = diagnostics(&dir);
        let text = std::fs::read_to_string(dir.path().join(KNOWLEDGE_FILE)).unwrap();
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].file.ends_with(KNOWLEDGE_FILE));
        assert_eq!(d[0].line, line_of(&text, "id = \"does-it-hurt"));
    }

    #[test]
    fn a_bad_reminder_setting_is_reported_with_its_line_and_a_missing_file_means_defaults() {
        let dir = edited(REMINDERS_FILE, |t| {
            t.replacen("\"1 day\", \"2 hours\"]", "\"1 day\", \"2 fortnights\"]", 1)
                .replacen("\"what-to-wear\"", "\"what-to-were\"", 1)
        });
        let d = diagnostics(&dir);
        let text = std::fs::read_to_string(dir.path().join(REMINDERS_FILE)).unwrap();
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().all(|d| d.file.ends_with(REMINDERS_FILE)));
        assert_eq!(d[0].line, line_of(&text, "2 fortnights"));
        assert!(
            d[1].message.contains("unknown topic id"),
            "{}",
            d[1].message
        );

        std::fs::remove_file(dir.path().join(REMINDERS_FILE)).unwrap();
        let k = Knowledge::load(dir.path()).unwrap();
        assert_eq!(k.reminders(), &ReminderSettings::default());
    }

    #[test]
    fn a_misspelt_small_talk_kind_is_reported_with_its_line_and_a_missing_file_means_none() {
        let dir = edited(SMALL_TALK_FILE, |t| {
            t.replacen("\ngoodbye = [", "\ngoodbyes = [", 1)
        });
        let text = std::fs::read_to_string(dir.path().join(SMALL_TALK_FILE)).unwrap();
        let d = diagnostics(&dir);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].file.ends_with(SMALL_TALK_FILE));
        assert!(d[0].message.contains("goodbyes"), "{}", d[0].message);
        assert_eq!(d[0].line, line_of(&text, "goodbyes = ["));

        let shipped = Knowledge::load(&faq_dir()).unwrap();
        assert!(shipped.small_talk().thanks.len() >= 40);
        std::fs::remove_file(dir.path().join(SMALL_TALK_FILE)).unwrap();
        let k = Knowledge::load(dir.path()).unwrap();
        assert!(k.small_talk().thanks.is_empty() && k.small_talk().asks.is_empty());
    }

    #[test]
    fn a_duplicate_topic_id_is_reported_where_it_repeats() {
        let dir = edited(KNOWLEDGE_FILE, |t| {
            t.replacen("id = \"needle-size\"", "id = \"does-it-hurt\"", 1)
        });
        let text = std::fs::read_to_string(dir.path().join(KNOWLEDGE_FILE)).unwrap();
        let second = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains("id = \"does-it-hurt\""))
            .nth(1)
            .unwrap()
            .0
            + 1;
        let d = diagnostics(&dir);
        let dup = d.iter().find(|d| d.message.contains("duplicate")).unwrap();
        assert_eq!(dup.line, second);
        assert!(dup.message.contains("first defined on line"));
    }

    #[test]
    fn an_unknown_placeholder_or_related_topic_is_reported_with_its_line() {
        let dir = edited(KNOWLEDGE_FILE, |t| {
            t.replacen(
                "related = [\"side-effects\"",
                "related = [\"no-such-topic\"",
                1,
            )
            .replacen("\n{price}", "\n{prize}", 1)
        });
        let d = diagnostics(&dir);
        assert!(
            d.iter()
                .any(|d| d.message.contains("no-such-topic") && d.line > 1)
        );
        assert!(
            d.iter()
                .any(|d| d.message.contains("{prize}") && d.line > 1)
        );
    }

    #[test]
    fn an_unknown_field_and_a_bad_time_zone_are_reported() {
        let dir = edited(CLINIC_FILE, |t| {
            t.replace("America/New_York", "Mars/Olympus_Mons").replacen(
                "phone =",
                "fax = \"1\"\nphone =",
                1,
            )
        });
        let d = diagnostics(&dir);
        assert!(d[0].file.ends_with(CLINIC_FILE));
        assert!(d[0].message.contains("unknown field `fax`"), "{d:?}");
        let dir = edited(CLINIC_FILE, |t| {
            t.replace("America/New_York", "Mars/Olympus_Mons")
        });
        let text = std::fs::read_to_string(dir.path().join(CLINIC_FILE)).unwrap();
        let d = diagnostics(&dir);
        assert!(d[0].message.contains("Mars/Olympus_Mons"));
        assert_eq!(d[0].line, line_of(&text, "time_zone ="));
    }

    #[test]
    fn an_answer_over_the_length_limit_is_rejected() {
        let long = "x".repeat(MAX_ANSWER_CHARS + 1);
        let dir = edited(KNOWLEDGE_FILE, |t| {
            t.replacen("answer = \"\"\"\n", &format!("answer = \"\"\"\n{long}"), 1)
        });
        let d = diagnostics(&dir);
        assert!(
            d.iter().any(|d| d.message.contains("the limit is 1000")),
            "{d:?}"
        );
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let dir = edited(KNOWLEDGE_FILE, |t| t);
        std::fs::remove_file(dir.path().join(LEXICON_FILE)).unwrap();
        let err = Knowledge::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains(LEXICON_FILE), "{err}");
    }

    #[test]
    fn topic_lists_are_read_from_the_first_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("topics.tsv");
        std::fs::write(
            &path,
            "id\tquestion\ndoes-it-hurt\tDoes it hurt?\nfake-topic\tx\n",
        )
        .unwrap();
        let ids = read_topic_list(&path).unwrap();
        let k = Knowledge::load(&faq_dir()).unwrap();
        let missing = k.missing_topics(&ids);
        assert_eq!(missing, vec![&TopicId::parse("fake-topic").unwrap()]);
    }

    #[test]
    fn a_screening_rule_about_a_missing_question_is_reported_with_its_line() {
        let dir = edited(SCREENING_FILE, |t| {
            t.replacen(
                "when = { question = \"epilepsy\"",
                "when = { question = \"epilepsi\"",
                1,
            )
        });
        let text = std::fs::read_to_string(dir.path().join(SCREENING_FILE)).unwrap();
        let d = diagnostics(&dir);
        assert!(d[0].file.ends_with(SCREENING_FILE));
        assert!(d[0].message.contains("no question \"epilepsi\""), "{d:?}");
        let line = line_of(&text, "\"epilepsi\"");
        assert!(
            (line - 1..=line).contains(&d[0].line),
            "{} vs {line}",
            d[0].line
        );
    }

    #[test]
    fn a_follow_up_on_a_later_question_is_rejected() {
        let dir = edited(SCREENING_FILE, |t| {
            t.replacen(
                "ask_if = { question = \"under_18\"",
                "ask_if = { question = \"anything_else\"",
                1,
            )
        });
        let d = diagnostics(&dir);
        assert!(
            d.iter()
                .any(|d| d.message.contains("not an earlier question")),
            "{d:?}"
        );
    }
}
