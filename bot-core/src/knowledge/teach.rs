//! Changing the knowledge folder from the console: a patient's question
//! added as a wording of a topic (to its `phrasings`, which both the
//! matcher and the classifier learn from) or as an out-of-scope example,
//! and taken out again to undo it.
//!
//! A change is made to the file's text with a format-preserving editor, so
//! every comment and line staff wrote stays as it was; the folder is then
//! validated as `frontdesk check` loads it, with the edited text in place of
//! the file; only a folder that loads is written, whole, by a rename. A
//! refused change leaves every file byte for byte as it was. Taking out
//! what was added restores the file's bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, Item, Value};

use super::{KNOWLEDGE_FILE, Knowledge, KnowledgeError, OUT_OF_SCOPE_FILE};
use crate::ids::{Locale, TopicId};
use crate::text::fold;

/// Longest text taught from the console (the longest unanswered question
/// kept).
pub const MAX_TAUGHT_CHARS: usize = 500;

/// A patient's wording as the folder holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Example {
    /// A wording of a topic, in a language.
    Topic {
        topic: TopicId,
        locale: Locale,
        text: String,
    },
    /// Something the clinic does not answer.
    OutOfScope { locale: Locale, text: String },
}

impl Example {
    pub fn text(&self) -> &str {
        match self {
            Example::Topic { text, .. } | Example::OutOfScope { text, .. } => text,
        }
    }

    /// The folder's file that holds it.
    pub fn file(&self) -> &'static str {
        match self {
            Example::Topic { .. } => KNOWLEDGE_FILE,
            Example::OutOfScope { .. } => OUT_OF_SCOPE_FILE,
        }
    }

    fn locale(&self) -> Locale {
        match self {
            Example::Topic { locale, .. } | Example::OutOfScope { locale, .. } => *locale,
        }
    }
}

/// What the console does to the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderChange {
    Add(Example),
    /// Takes out an example added before (the last one with its text).
    Remove(Example),
}

#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    /// The change would leave the folder unusable or makes no sense: why,
    /// in words for staff. Nothing was written.
    #[error("{0}")]
    Refused(String),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Makes `change` to the folder `dir` if the folder loads with it, and
/// returns the folder as loaded with it; otherwise writes nothing.
pub fn change_folder(dir: &Path, change: &FolderChange) -> Result<Knowledge, TeachError> {
    let (FolderChange::Add(example) | FolderChange::Remove(example)) = change;
    let file = example.file();
    let path = dir.join(file);
    let before = std::fs::read_to_string(&path).map_err(|source| TeachError::Read {
        path: path.clone(),
        source,
    })?;
    let after = edit(&before, change)?;
    let knowledge = Knowledge::load_edited(dir, file, &after).map_err(|e| refused(&e))?;
    write_whole(&path, &after)?;
    Ok(knowledge)
}

/// A folder that did not load, in words for staff: each problem with its
/// file and line.
fn refused(error: &KnowledgeError) -> TeachError {
    TeachError::Refused(match error {
        KnowledgeError::Invalid(diagnostics) => diagnostics
            .iter()
            .map(|d| {
                let name = d.file.file_name().unwrap_or_default().to_string_lossy();
                format!("{name}, line {}: {}", d.line, d.message)
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })
}

/// The file's text with the change made.
fn edit(text: &str, change: &FolderChange) -> Result<String, TeachError> {
    let (FolderChange::Add(example) | FolderChange::Remove(example)) = change;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        TeachError::Refused(format!("{} does not read: {}", example.file(), e.message()))
    })?;
    let wanted = example.text().trim();
    let list = list_of(&mut doc, example)?;
    match change {
        FolderChange::Add(_) => {
            if wanted.is_empty() {
                return Err(TeachError::Refused("There is no text to add.".into()));
            }
            if wanted.chars().count() > MAX_TAUGHT_CHARS {
                return Err(TeachError::Refused(format!(
                    "A wording is at most {MAX_TAUGHT_CHARS} characters."
                )));
            }
            if list
                .iter()
                .any(|v| v.as_str().map(fold) == Some(fold(wanted)))
            {
                return Err(TeachError::Refused(format!(
                    "{wanted:?} is already there: nothing to add."
                )));
            }
            push_line(list, wanted);
        }
        FolderChange::Remove(_) => {
            let found = list
                .iter()
                .enumerate()
                .filter(|(_, v)| v.as_str() == Some(wanted));
            let Some((at, _)) = found.last() else {
                return Err(TeachError::Refused(format!(
                    "{wanted:?} is no longer in {}: nothing to take out.",
                    example.file()
                )));
            };
            list.remove(at);
        }
    }
    Ok(doc.to_string())
}

/// The list an example goes in: a topic's `phrasings` in its language, or
/// `other` of the language in the out-of-scope file (made if missing).
fn list_of<'d>(doc: &'d mut DocumentMut, example: &Example) -> Result<&'d mut Array, TeachError> {
    let language = example.locale().to_string();
    let (table, name) = match example {
        Example::Topic { topic, .. } => {
            let topics = doc
                .get_mut("topic")
                .and_then(Item::as_array_of_tables_mut)
                .ok_or_else(|| TeachError::Refused(format!("{KNOWLEDGE_FILE} has no topics.")))?;
            let found = topics
                .iter_mut()
                .find(|t| t.get("id").and_then(Item::as_str) == Some(topic.as_str()))
                .ok_or_else(|| {
                    TeachError::Refused(format!("There is no topic {topic} in {KNOWLEDGE_FILE}."))
                })?;
            let text = found
                .get_mut(&language)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| {
                    TeachError::Refused(format!("Topic {topic} has no [topic.{language}]."))
                })?;
            (text, "phrasings")
        }
        Example::OutOfScope { .. } => {
            let root = doc.as_table_mut();
            if !root.contains_key(&language) {
                root.insert(&language, toml_edit::table());
            }
            let set = root[language.as_str()].as_table_like_mut().ok_or_else(|| {
                TeachError::Refused(format!(
                    "[{language}] of {OUT_OF_SCOPE_FILE} is not a table."
                ))
            })?;
            (set, "other")
        }
    };
    if table.get(name).is_none() {
        let mut empty = Array::new();
        empty.set_trailing("\n");
        empty.set_trailing_comma(true);
        table.insert(name, Item::Value(Value::Array(empty)));
    }
    table
        .get_mut(name)
        .and_then(Item::as_array_mut)
        .ok_or_else(|| TeachError::Refused(format!("`{name}` is not a list.")))
}

/// Adds `text` as the list's last line, written as the lines before it
/// are (one a line, indented, with a comma after each).
fn push_line(list: &mut Array, text: &str) {
    let indent = list
        .iter()
        .last()
        .and_then(|v| v.decor().prefix())
        .and_then(|p| p.as_str())
        .filter(|p| p.contains('\n'))
        .map_or_else(
            || "\n  ".to_owned(),
            |p| format!("\n{}", p.rsplit('\n').next().unwrap_or("")),
        );
    let mut value = Value::from(text);
    value.decor_mut().set_prefix(indent);
    value.decor_mut().set_suffix("");
    list.push_formatted(value);
    list.set_trailing_comma(true);
    if list.len() == 1 {
        list.set_trailing("\n");
    }
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it,
/// flushed to disk, with the old file's permissions, renamed over it.
fn write_whole(path: &Path, text: &str) -> Result<(), TeachError> {
    let failed = |source| TeachError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.as_file().sync_all().map_err(failed)?;
    if let Ok(meta) = std::fs::metadata(path) {
        file.as_file()
            .set_permissions(meta.permissions())
            .map_err(failed)?;
    }
    file.persist(path).map_err(|e| failed(e.error))?;
    // The rename itself, on disk.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::faq_dir;

    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(faq_dir()).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        dir
    }

    fn wording(topic: &str, text: &str) -> Example {
        Example::Topic {
            topic: TopicId::parse(topic).unwrap(),
            locale: Locale::En,
            text: text.to_owned(),
        }
    }

    fn bytes(dir: &tempfile::TempDir, file: &str) -> Vec<u8> {
        std::fs::read(dir.path().join(file)).unwrap()
    }

    #[test]
    fn a_wording_added_is_in_the_topic_and_taking_it_out_restores_the_file_byte_for_byte() {
        let dir = folder();
        let before = bytes(&dir, KNOWLEDGE_FILE);
        let new = wording("cost", "how much do u charge for the needles thing");
        let k = change_folder(dir.path(), &FolderChange::Add(new.clone())).unwrap();
        let topic = k.topic(&TopicId::parse("cost").unwrap()).unwrap();
        assert_eq!(
            topic.text(Locale::En).phrasings.last().map(String::as_str),
            Some(new.text())
        );
        let written = String::from_utf8(bytes(&dir, KNOWLEDGE_FILE)).unwrap();
        assert!(written.contains("  \"how much do u charge for the needles thing\",\n]"));
        assert_eq!(
            Knowledge::load(dir.path()).unwrap().topics().len(),
            k.topics().len()
        );
        change_folder(dir.path(), &FolderChange::Remove(new)).unwrap();
        assert_eq!(bytes(&dir, KNOWLEDGE_FILE), before);
    }

    #[test]
    fn another_topics_wording_is_refused_with_the_reason_and_the_file_is_unchanged() {
        let dir = folder();
        let before = bytes(&dir, KNOWLEDGE_FILE);
        let k = Knowledge::load(dir.path()).unwrap();
        let theirs = k.topic(&TopicId::parse("does-it-hurt").unwrap()).unwrap();
        let taken = theirs.text(Locale::En).phrasings[0].clone();
        let refused = change_folder(dir.path(), &FolderChange::Add(wording("cost", &taken)));
        let Err(TeachError::Refused(why)) = refused else {
            panic!("accepted: {refused:?}")
        };
        assert!(
            why.contains("knowledge.toml, line") && why.contains("does-it-hurt"),
            "{why}"
        );
        assert_eq!(bytes(&dir, KNOWLEDGE_FILE), before);
    }

    #[test]
    fn an_out_of_scope_example_is_added_unless_it_is_a_topics_wording() {
        let dir = folder();
        let before = bytes(&dir, OUT_OF_SCOPE_FILE);
        let k = Knowledge::load(dir.path()).unwrap();
        let taken = k.topics()[0].text(Locale::Es).phrasings[0].clone();
        let refused = change_folder(
            dir.path(),
            &FolderChange::Add(Example::OutOfScope {
                locale: Locale::Es,
                text: taken,
            }),
        );
        assert!(
            matches!(refused, Err(TeachError::Refused(_))),
            "{refused:?}"
        );
        assert_eq!(bytes(&dir, OUT_OF_SCOPE_FILE), before);
        let other = Example::OutOfScope {
            locale: Locale::En,
            text: "do you sell gift cards for the spa next door".into(),
        };
        let k = change_folder(dir.path(), &FolderChange::Add(other.clone())).unwrap();
        assert!(k.out_of_scope().other.iter().any(|t| t == other.text()));
        change_folder(dir.path(), &FolderChange::Remove(other)).unwrap();
        assert_eq!(bytes(&dir, OUT_OF_SCOPE_FILE), before);
    }

    #[test]
    fn a_wording_already_there_or_of_no_topic_changes_nothing() {
        let dir = folder();
        let before = bytes(&dir, KNOWLEDGE_FILE);
        let k = Knowledge::load(dir.path()).unwrap();
        let own = k
            .topic(&TopicId::parse("cost").unwrap())
            .unwrap()
            .text(Locale::En)
            .phrasings[0]
            .to_uppercase();
        for change in [
            FolderChange::Add(wording("cost", &own)),
            FolderChange::Add(wording("no-such-topic", "what is this")),
            FolderChange::Add(wording("cost", "   ")),
            FolderChange::Remove(wording("cost", "never added")),
        ] {
            let done = change_folder(dir.path(), &change);
            assert!(
                matches!(done, Err(TeachError::Refused(_))),
                "{change:?}: {done:?}"
            );
        }
        assert_eq!(bytes(&dir, KNOWLEDGE_FILE), before);
    }
}
