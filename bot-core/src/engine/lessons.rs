//! The questions the bot could not answer, grouped for staff, and what
//! staff taught it from them: a group added as a wording of a topic or as
//! out of scope (through the [`Teacher`], which checks and writes the
//! knowledge folder), or dismissed. Each such decision is a [`Lesson`]
//! kept in the store; the questions it settled leave the list, and undoing
//! it takes the example out of the folder again and brings them back.
//!
//! Near-identical questions are one group: the same words once folded, or
//! so alike letter by letter (three-letter pieces) that they differ by a
//! typo or a word. Whole rephrasings stay apart: staff read them.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::records::{decode, encode, keys};
use super::{Engine, EngineError, UnansweredEntry};
use crate::ids::{Locale, TopicId};
use crate::knowledge::teach::{Example, FolderChange, TeachError};
use crate::ports::{Batch, Store, Teacher};
use crate::text::{detect_locale, fold};

const LESSONS: &str = "lessons/";

/// Two questions this alike (shared three-letter pieces over all of
/// either's) are one group.
const NEAR_IDENTICAL: f32 = 0.75;

fn lesson_key(id: i64) -> String {
    format!("{LESSONS}{id:020}")
}

/// Questions asked in near-identical words, for staff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionGroup {
    /// Names the group in the console's forms: when its newest question
    /// was asked (nanoseconds), nothing about the patient.
    pub id: i64,
    /// The newest wording.
    pub text: String,
    pub count: usize,
    pub last_seen: Timestamp,
    pub locale: Locale,
    /// The topic the bot found it most like, and how sure it was (0 to 1).
    pub guess: Option<(TopicId, f32)>,
}

/// What staff decided for a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    Wording { topic: TopicId, locale: Locale },
    OutOfScope { locale: Locale },
    Dismiss,
}

/// A decision staff took on a group, kept so it can be undone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    /// When it was taken (nanoseconds): its key.
    pub id: i64,
    pub at: Timestamp,
    /// The staff member's account.
    pub by: String,
    /// What went into the folder; none for a dismissal.
    pub example: Option<Example>,
    /// How many questions it settled.
    pub questions: usize,
    pub undone: Option<Timestamp>,
}

#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("That question is no longer in the list (another change, or its time ran out).")]
    NoSuchQuestion,
    #[error("There is no such change to undo.")]
    NoSuchLesson,
    #[error("That change was already undone.")]
    AlreadyUndone,
    #[error("This console cannot change the knowledge folder.")]
    NoTeacher,
    #[error(transparent)]
    Folder(#[from] TeachError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A question as the grouping compares it: its folded words and their
/// three-letter pieces.
struct Shape {
    folded: String,
    pieces: HashSet<String>,
}

impl Shape {
    fn of(text: &str) -> Shape {
        let folded = fold(text);
        let chars: Vec<char> = format!(" {folded} ").chars().collect();
        let pieces = chars.windows(3).map(|w| w.iter().collect()).collect();
        Shape { folded, pieces }
    }

    fn near(&self, other: &Shape) -> bool {
        if self.folded == other.folded {
            return true;
        }
        // The share cannot reach the bar when one has far more pieces.
        let (few, many) = (
            self.pieces.len().min(other.pieces.len()),
            self.pieces.len().max(other.pieces.len()),
        );
        if (few as f32) < NEAR_IDENTICAL * many as f32 {
            return false;
        }
        let shared = self.pieces.intersection(&other.pieces).count() as f32;
        let all = self.pieces.union(&other.pieces).count().max(1) as f32;
        shared / all >= NEAR_IDENTICAL
    }
}

impl<S: Store> Engine<S> {
    /// The unanswered questions no lesson settled, as (key, entry), newest
    /// first.
    fn open_questions(&self) -> Result<Vec<(String, UnansweredEntry)>, EngineError> {
        let mut open = Vec::new();
        for (key, bytes) in self.store.scan_prefix(keys::UNANSWERED)? {
            let entry: UnansweredEntry = decode(&key, &bytes)?;
            if entry.settled.is_none() {
                open.push((key, entry));
            }
        }
        open.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.at));
        Ok(open)
    }

    /// The open questions grouped, each group with its entries' keys;
    /// newest group first.
    fn grouped(&self) -> Result<Vec<(QuestionGroup, Vec<String>)>, EngineError> {
        let mut groups: Vec<(Shape, QuestionGroup, Vec<String>)> = Vec::new();
        for (key, entry) in self.open_questions()? {
            let shape = Shape::of(&entry.text);
            match groups.iter_mut().find(|(s, ..)| s.near(&shape)) {
                Some((_, group, keys)) => {
                    group.count += 1;
                    keys.push(key);
                }
                None => {
                    let group = QuestionGroup {
                        id: entry.at.as_nanosecond() as i64,
                        locale: detect_locale(&entry.text).unwrap_or(Locale::En),
                        text: entry.text,
                        count: 1,
                        last_seen: entry.at,
                        guess: None,
                    };
                    groups.push((shape, group, vec![key]));
                }
            }
        }
        Ok(groups.into_iter().map(|(_, g, keys)| (g, keys)).collect())
    }

    /// The unanswered questions for staff to teach from: grouped, newest
    /// first, each with the topic the bot finds it most like now.
    /// At most `limit` groups (each guess reads the question with the
    /// model), and how many there are in all.
    pub fn question_groups(
        &self,
        limit: usize,
    ) -> Result<(Vec<QuestionGroup>, usize), EngineError> {
        let classifier = self.classifier();
        let knowledge = self.knowledge();
        let all = self.grouped()?;
        let total = all.len();
        let mut groups: Vec<QuestionGroup> = all.into_iter().take(limit).map(|(g, _)| g).collect();
        for group in &mut groups {
            group.guess = classifier
                .guess(&group.text)
                .map(|(i, score)| (knowledge.topics()[i].id.clone(), score));
        }
        Ok((groups, total))
    }

    /// Settles the group `id` as staff decided: the folder changed first
    /// (nothing is marked if it refuses), then the lesson kept and the
    /// group's questions marked settled, in one batch.
    pub fn settle_questions(
        &self,
        teacher: Option<&dyn Teacher>,
        id: i64,
        settle: Settle,
        by: &str,
        now: Timestamp,
    ) -> Result<Lesson, LessonError> {
        let _lessons = self.lock_lessons();
        let (group, keys) = self
            .grouped()?
            .into_iter()
            .find(|(g, _)| g.id == id)
            .ok_or(LessonError::NoSuchQuestion)?;
        let text = group.text.trim().to_owned();
        let example = match settle {
            Settle::Wording { topic, locale } => Some(Example::Topic {
                topic,
                locale,
                text,
            }),
            Settle::OutOfScope { locale } => Some(Example::OutOfScope { locale, text }),
            Settle::Dismiss => None,
        };
        if let Some(example) = &example {
            let teacher = teacher.ok_or(LessonError::NoTeacher)?;
            teacher.change(&FolderChange::Add(example.clone()))?;
        }
        let lesson = Lesson {
            id: now.as_nanosecond() as i64,
            at: now,
            by: by.to_owned(),
            example,
            questions: keys.len(),
            undone: None,
        };
        let mut batch = Batch::default();
        batch.put(lesson_key(lesson.id), encode(&lesson));
        self.mark(&keys, Some(lesson.id), &mut batch)?;
        self.apply(batch).map_err(EngineError::from)?;
        Ok(lesson)
    }

    /// Undoes lesson `id`: its example taken out of the folder (refused,
    /// and nothing changed, if the folder would not load without it), and
    /// the questions it settled listed again.
    pub fn undo_lesson(
        &self,
        teacher: Option<&dyn Teacher>,
        id: i64,
        now: Timestamp,
    ) -> Result<Lesson, LessonError> {
        let _lessons = self.lock_lessons();
        let key = lesson_key(id);
        let bytes = self
            .store
            .get(&key)
            .map_err(EngineError::from)?
            .ok_or(LessonError::NoSuchLesson)?;
        let mut lesson: Lesson = decode(&key, &bytes)?;
        if lesson.undone.is_some() {
            return Err(LessonError::AlreadyUndone);
        }
        if let Some(example) = &lesson.example {
            let teacher = teacher.ok_or(LessonError::NoTeacher)?;
            teacher.change(&FolderChange::Remove(example.clone()))?;
        }
        lesson.undone = Some(now);
        let mut batch = Batch::default();
        batch.put(key, encode(&lesson));
        let settled: Vec<String> = self
            .store
            .scan_prefix(keys::UNANSWERED)
            .map_err(EngineError::from)?
            .into_iter()
            .filter_map(|(key, bytes)| {
                let entry: UnansweredEntry = decode(&key, &bytes).ok()?;
                (entry.settled == Some(id)).then_some(key)
            })
            .collect();
        self.mark(&settled, None, &mut batch)?;
        self.apply(batch).map_err(EngineError::from)?;
        Ok(lesson)
    }

    /// The latest lessons, newest first.
    pub fn lessons(&self, limit: usize) -> Result<Vec<Lesson>, EngineError> {
        let mut all = self.store.scan_prefix(LESSONS)?;
        all.reverse();
        all.into_iter()
            .take(limit)
            .map(|(key, bytes)| decode(&key, &bytes))
            .collect()
    }

    /// Sets the questions' `settled` (those still stored: a retention
    /// sweep or an erasure may have taken some).
    fn mark(
        &self,
        keys: &[String],
        lesson: Option<i64>,
        batch: &mut Batch,
    ) -> Result<(), EngineError> {
        for key in keys {
            let Some(bytes) = self.store.get(key)? else {
                continue;
            };
            let mut entry: UnansweredEntry = decode(key, &bytes)?;
            entry.settled = lesson;
            batch.put(key.clone(), encode(&entry));
        }
        Ok(())
    }

    fn lock_lessons(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lessons.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::chat::{Incoming, Input};
    use crate::ids::ChatKey;
    use crate::knowledge::Knowledge;
    use crate::knowledge::teach::change_folder;
    use crate::store::MemoryStore;
    use crate::testing::faq_dir;

    /// The folder in a temporary copy; the engine answers from each
    /// change, as `serve`'s teacher makes it.
    #[derive(Debug)]
    struct Copy {
        dir: tempfile::TempDir,
        installed: Mutex<Option<Arc<Knowledge>>>,
    }

    impl Teacher for Copy {
        fn change(&self, change: &FolderChange) -> Result<(), TeachError> {
            let knowledge = change_folder(self.dir.path(), change)?;
            *self.installed.lock().unwrap() = Some(Arc::new(knowledge));
            Ok(())
        }
    }

    fn copy() -> Copy {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(faq_dir()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        Copy {
            dir,
            installed: Mutex::new(None),
        }
    }

    fn ask(engine: &Engine<MemoryStore>, chat: &str, text: &str, at: &str) {
        engine.handle(&Incoming {
            chat: ChatKey::parse(chat).unwrap(),
            input: Input::Text(text.to_owned()),
            at: at.parse().unwrap(),
            locale_hint: None,
            shared: false,
            display_name: None,
            sequence: None,
        });
    }

    fn engine() -> Engine<MemoryStore> {
        let engine = Engine::new(MemoryStore::new(), crate::testing::shipped());
        let mural = "who painted the mural in your waiting room";
        ask(&engine, "telegram:1", mural, "2026-12-01T10:00:00Z");
        ask(
            &engine,
            "telegram:2",
            "do you sell gift vouchers for christmas",
            "2026-12-01T11:00:00Z",
        );
        ask(
            &engine,
            "telegram:3",
            "Who painted the mural in your waiting room??",
            "2026-12-02T10:00:00Z",
        );
        ask(
            &engine,
            "telegram:4",
            "who paintd the mural in your waiting room",
            "2026-12-03T10:00:00Z",
        );
        engine
    }

    #[test]
    fn near_identical_questions_are_one_group_newest_first_with_the_bots_guess() {
        let engine = engine();
        let groups = engine.question_groups(100).unwrap().0;
        let counts: Vec<(usize, &str)> =
            groups.iter().map(|g| (g.count, g.text.as_str())).collect();
        assert_eq!(
            counts,
            [
                (3, "who paintd the mural in your waiting room"),
                (1, "do you sell gift vouchers for christmas")
            ]
        );
        assert_eq!(groups[0].last_seen, "2026-12-03T10:00:00Z".parse().unwrap());
        let (_, sure) = groups[0].guess.clone().expect("a guess");
        assert!((0.0..1.0).contains(&sure), "{sure}");
    }

    #[test]
    fn a_group_taught_leaves_the_list_and_undoing_it_brings_it_back_and_restores_the_folder() {
        let engine = engine();
        let teacher = copy();
        let before = std::fs::read(teacher.dir.path().join("knowledge.toml")).unwrap();
        let group = engine.question_groups(100).unwrap().0[0].clone();
        let topic = TopicId::parse("location").unwrap();
        let settle = Settle::Wording {
            topic: topic.clone(),
            locale: Locale::En,
        };
        let now: Timestamp = "2026-12-04T09:00:00Z".parse().unwrap();
        let lesson = engine
            .settle_questions(Some(&teacher), group.id, settle, "ada", now)
            .unwrap();
        assert_eq!(lesson.questions, 3);
        let installed = teacher.installed.lock().unwrap().clone().unwrap();
        let phrasings = &installed.topic(&topic).unwrap().text(Locale::En).phrasings;
        assert_eq!(phrasings.last(), Some(&group.text));
        assert_eq!(engine.question_groups(100).unwrap().0.len(), 1);
        assert_eq!(engine.unanswered().unwrap().len(), 1, "the CLI's list too");
        assert_eq!(engine.lessons(10).unwrap(), std::slice::from_ref(&lesson));

        let undone = engine.undo_lesson(Some(&teacher), lesson.id, now).unwrap();
        assert_eq!(undone.undone, Some(now));
        assert_eq!(
            std::fs::read(teacher.dir.path().join("knowledge.toml")).unwrap(),
            before
        );
        assert_eq!(engine.question_groups(100).unwrap().0[0].count, 3);
        assert!(matches!(
            engine.undo_lesson(Some(&teacher), lesson.id, now),
            Err(LessonError::AlreadyUndone)
        ));
    }

    #[test]
    fn a_refused_change_settles_nothing_and_a_dismissal_needs_no_folder() {
        let engine = engine();
        let teacher = copy();
        let group = engine.question_groups(100).unwrap().0[1].clone();
        let settle = Settle::Wording {
            topic: TopicId::parse("no-such-topic").unwrap(),
            locale: Locale::En,
        };
        let now: Timestamp = "2026-12-04T09:00:00Z".parse().unwrap();
        let refused = engine.settle_questions(Some(&teacher), group.id, settle, "ada", now);
        assert!(matches!(
            refused,
            Err(LessonError::Folder(TeachError::Refused(_)))
        ));
        assert_eq!(engine.question_groups(100).unwrap().0.len(), 2);
        let dismissed = engine
            .settle_questions(None, group.id, Settle::Dismiss, "ada", now)
            .unwrap();
        assert_eq!(dismissed.example, None);
        assert_eq!(engine.question_groups(100).unwrap().0.len(), 1);
    }
}
