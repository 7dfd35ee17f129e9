//! Answering a free-text question from the knowledge folder: the
//! classifier's verdict becomes an answer (with related topics or the
//! hand-off button), a question back with the likely topics, or a fallback
//! that offers a person.

use super::{State, Turn};
use crate::chat::HandoffReason;
use crate::chat::{Action, Reply, ReplyKind};
use crate::ids::Locale;
use crate::ids::TopicId;
use crate::knowledge::{Knowledge, MessageSet, Topic};
use crate::understand::{SmallTalk, Verdict, days};
use jiff::Timestamp;

/// Most of an unanswered question kept for staff: enough for any question,
/// and a pasted document or a flood is not stored whole.
pub const UNANSWERED_MAX_CHARS: usize = 2000;

/// The topic whose answer also offers the hand-off button.
pub const TALK_TO_HUMAN: &str = "talk-to-human";
/// The topic whose answer also offers to start the health screen.
pub const SCREENING_TOPIC: &str = "screening-questionnaire";

impl Turn<'_> {
    pub(super) fn faq(&mut self, text: &str, verdict: Verdict) {
        match verdict {
            Verdict::Emergency(flag) => {
                self.conv.last_topic = None;
                self.emergency(flag)
            }
            // A first hello gets the welcome and its menu; later ones, and
            // thanks, goodbyes and an "ok", a short word back.
            Verdict::SmallTalk(SmallTalk::Greeting) if self.conv.recent.is_empty() => {
                self.welcome()
            }
            Verdict::SmallTalk(talk) => {
                let m = self.k.messages(self.locale());
                let text = match talk {
                    SmallTalk::Greeting => &m.smalltalk_greeting,
                    SmallTalk::Thanks => &m.smalltalk_thanks,
                    SmallTalk::Goodbye => &m.smalltalk_goodbye,
                    SmallTalk::Ack => &m.smalltalk_ack,
                };
                self.info(text);
            }
            Verdict::Human => self.request_human(HandoffReason::Asked),
            Verdict::MedicineAdvice => self.offer_team(|m| &m.fallback_medicine, false),
            // Never booked past a clinician's advice: the team is offered.
            Verdict::AdvisedAgainst => self.offer_team(|m| &m.advised_against, true),
            Verdict::Answer { topic, .. } => {
                let id = self.k.topics()[topic].id.clone();
                self.answer(&id, Some(text));
                if let Some(other) = self.classifier.second_question(text, topic) {
                    self.offer_also(other);
                }
            }
            Verdict::Clarify { candidates, .. } => {
                let locale = self.locale();
                let m = self.k.messages(locale);
                let mut reply = Reply::new(ReplyKind::Clarify, &m.clarify);
                for &i in &candidates {
                    let topic = &self.k.topics()[i];
                    reply = reply
                        .with(Action::Topic(topic.id.clone()).choice(&topic.text(locale).question));
                }
                reply = reply.with(Action::Human.choice(&m.human_button));
                self.say(reply);
                self.conv.state = State::Clarifying;
            }
            // The urgent reply already points to the clinic's phone.
            Verdict::Fallback { .. } if self.told_urgent() => self.conv.last_topic = None,
            Verdict::Fallback { .. } => {
                self.conv.last_topic = None;
                self.offer_team(|m| &m.fallback, true);
                self.unanswered = Some(text.trim().chars().take(UNANSWERED_MAX_CHARS).collect());
            }
        }
    }

    /// The second question of a message that asked two: its topic as a
    /// button ("You also asked: How much does dry needling cost?").
    fn offer_also(&mut self, topic: usize) {
        let locale = self.locale();
        let topic = &self.k.topics()[topic];
        let m = self.k.messages(locale);
        let reply = Reply::new(ReplyKind::Info, &m.also_asked)
            .with(Action::Topic(topic.id.clone()).choice(&topic.text(locale).question));
        self.say(reply);
    }

    /// A reply that offers the team (and "no, thanks" where declining is
    /// a choice), then waits for the answer to the offer.
    fn offer_team(&mut self, text: impl Fn(&MessageSet) -> &String, no_thanks: bool) {
        let m = self.k.messages(self.locale());
        let mut reply =
            Reply::new(ReplyKind::Fallback, text(m)).with(Action::Human.choice(&m.human_button));
        if no_thanks {
            reply = reply.with(Action::NoThanks.choice(&m.no_thanks_button));
        }
        self.say(reply);
        self.conv.state = State::OfferedHuman;
    }

    /// A topic's answer; `asked` is the question that chose it, when one did.
    pub(super) fn answer(&mut self, id: &TopicId, asked: Option<&str>) {
        let locale = self.locale();
        let Some(topic) = self.k.topic(id) else {
            return;
        };
        let text = topic_answer(self.k, topic, locale, asked, self.incoming.at);
        let mut reply = Reply::new(ReplyKind::Answer, &text);
        reply.topic = Some(topic.id.clone());
        self.conv.last_topic = Some(topic.id.clone());
        let m = self.k.messages(locale);
        if topic.id.as_str() == TALK_TO_HUMAN {
            reply = reply.with(Action::Human.choice(&m.human_button));
        } else if topic.id.as_str() == SCREENING_TOPIC
            && !matches!(self.conv.state, State::Screening(_))
        {
            reply = reply.with(Action::ScreenStart.choice(&m.screen_button));
        } else {
            for related in topic.related.iter().take(2) {
                if let Some(r) = self.k.topic(related) {
                    reply =
                        reply.with(Action::Topic(r.id.clone()).choice(&r.text(locale).question));
                }
            }
        }
        self.say(reply);
    }
}

/// A topic's answer to the question `asked` at `at`. One that gives the
/// opening hours is led by the hours of the day the question names ("are you
/// open on the 24th?") and followed by the coming closed days. A holiday the
/// clinic has not listed as closed is not called open: its closed days for
/// that year may not be listed yet.
pub fn topic_answer(
    k: &Knowledge,
    topic: &Topic,
    locale: Locale,
    asked: Option<&str>,
    at: Timestamp,
) -> String {
    let answer = &topic.text(locale).answer;
    if !topic.shows_hours {
        return answer.clone();
    }
    let (clinic, m) = (&k.clinic, k.messages(locale));
    let today = clinic.today(at);
    let mut parts = Vec::new();
    let named = asked.and_then(|text| days::named_day(text, today, clinic));
    if let Some(named) = named.filter(|n| !n.holiday) {
        let day = clinic.describe_closed_day(named.date, locale);
        parts.push(match clinic.hours_on_date(named.date, locale) {
            Some(open) => m
                .open_on_day
                .replace("{day}", &day)
                .replace("{open}", &open),
            None => m.closed_on_day.replace("{day}", &day),
        });
    }
    parts.push(answer.clone());
    if let Some(closed) = clinic.closed_days_text(today, locale) {
        parts.push(m.closed_days.replace("{days}", &closed));
    }
    parts.join("\n\n")
}
