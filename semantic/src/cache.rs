//! Embeddings of the knowledge folder's texts (phrasings, out-of-scope
//! examples), kept on disk by model and text hash, so a restart or a reload
//! embeds only texts it has not seen. Patients' messages are never stored
//! here.
//!
//! One file per model: a header line, then records of the text's sha256
//! (32 bytes), the dimension count (u16, little-endian) and the values (f32,
//! little-endian). New embeddings are appended; a record cut short by a
//! crash is ignored when the file is read.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const HEADER: &[u8] = b"frontdesk embeddings v1\n";

/// How many trained classifiers of each kind are kept on disk.
pub const TRAINED_KEPT: usize = 4;

/// Embeddings by text hash, for one model. The file is read the first time
/// an embedding is asked for: a start whose classifiers are all cached
/// never reads it (nor holds it in memory).
#[derive(Debug, Default)]
pub struct EmbeddingCache {
    path: Option<PathBuf>,
    entries: std::sync::OnceLock<HashMap<[u8; 32], Vec<f32>>>,
    /// Added since loading, not yet written.
    pending: Vec<[u8; 32]>,
}

fn key(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The records of a cache file; an unreadable or foreign file reads as
/// empty (and is replaced on save).
fn read(path: &Path) -> HashMap<[u8; 32], Vec<f32>> {
    let mut entries = HashMap::new();
    if let Ok(bytes) = fs::read(path)
        && let Some(mut rest) = bytes.strip_prefix(HEADER)
    {
        while rest.len() >= 34 {
            let dims = u16::from_le_bytes([rest[32], rest[33]]) as usize;
            let end = 34 + dims * 4;
            if rest.len() < end {
                break;
            }
            let mut k = [0u8; 32];
            k.copy_from_slice(&rest[..32]);
            let values = rest[34..end]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            entries.insert(k, values);
            rest = &rest[end..];
        }
    }
    entries
}

impl EmbeddingCache {
    /// A cache that is never written (for tests and `--no-cache`).
    pub fn in_memory() -> EmbeddingCache {
        EmbeddingCache::default()
    }

    /// The cache for `model_id` in the user's cache folder
    /// (`~/.cache/frontdesk/embeddings/`), in memory where there is none.
    pub fn for_user(model_id: &str) -> EmbeddingCache {
        match dirs::cache_dir() {
            Some(dir) => EmbeddingCache::open(&dir.join("frontdesk").join("embeddings"), model_id),
            None => EmbeddingCache::in_memory(),
        }
    }

    /// The cache file for `model_id` in `dir` (read when first needed).
    pub fn open(dir: &Path, model_id: &str) -> EmbeddingCache {
        EmbeddingCache {
            path: Some(dir.join(format!("{model_id}.bin"))),
            ..EmbeddingCache::default()
        }
    }

    fn entries(&self) -> &HashMap<[u8; 32], Vec<f32>> {
        self.entries
            .get_or_init(|| self.path.as_deref().map(read).unwrap_or_default())
    }

    pub fn get(&self, text: &str) -> Option<&[f32]> {
        self.entries().get(&key(text)).map(Vec::as_slice)
    }

    pub fn insert(&mut self, text: &str, embedding: Vec<f32>) {
        let k = key(text);
        self.entries();
        let entries = self.entries.get_mut().expect("read just above");
        if entries.insert(k, embedding).is_none() {
            self.pending.push(k);
        }
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// A trained classifier saved under `name` by [`EmbeddingCache::save_trained`],
    /// if it was trained on the data `key` names.
    pub fn trained(&self, name: &str, key: &[u8; 32]) -> Option<Vec<u8>> {
        let bytes = fs::read(self.trained_path(name, key)?).ok()?;
        bytes.strip_prefix(key.as_slice()).map(<[u8]>::to_vec)
    }

    /// Keeps the last [`TRAINED_KEPT`] trained classifiers per `name`, each
    /// with the key of the data it was trained on (a change made from the
    /// console and undone finds the folder's model again); written whole
    /// and renamed into place.
    pub fn save_trained(&self, name: &str, key: &[u8; 32], model: &[u8]) {
        let Some(path) = self.trained_path(name, key) else {
            return;
        };
        let temporary = path.with_extension("tmp");
        let written = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::write(&temporary, [key.as_slice(), model].concat()))
            .and_then(|()| fs::rename(&temporary, &path));
        if let Err(e) = written {
            tracing::warn!(path = %path.display(), error = %e, "cannot save the trained classifier");
        }
        self.prune_trained(name);
    }

    fn trained_path(&self, name: &str, key: &[u8; 32]) -> Option<PathBuf> {
        let path = self.path.as_ref()?;
        let short: String = key[..8].iter().map(|b| format!("{b:02x}")).collect();
        Some(path.with_extension(format!("{name}.{short}.softmax")))
    }

    /// Deletes all but the newest [`TRAINED_KEPT`] classifiers of `name`.
    fn prune_trained(&self, name: &str) {
        let Some(path) = &self.path else {
            return;
        };
        let (Some(dir), Some(stem)) = (path.parent(), path.file_stem()) else {
            return;
        };
        let prefix = format!("{}.{name}.", stem.to_string_lossy());
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut saved: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter(|e| {
                let file = e.file_name().to_string_lossy().into_owned();
                file.starts_with(&prefix) && file.ends_with(".softmax")
            })
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        saved.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        for (_, old) in saved.into_iter().skip(TRAINED_KEPT) {
            let _ = fs::remove_file(old);
        }
    }

    /// Appends what was added since the last save. A cache that cannot be
    /// written only costs time at the next start: logged, not an error.
    pub fn save(&mut self) {
        let Some(path) = &self.path else {
            return;
        };
        if self.pending.is_empty() {
            return;
        }
        let mut bytes = Vec::new();
        let fresh = !path.is_file();
        if fresh {
            bytes.extend_from_slice(HEADER);
        }
        for k in &self.pending {
            let values = &self.entries()[k];
            bytes.extend_from_slice(k);
            bytes.extend_from_slice(&(values.len() as u16).to_le_bytes());
            for v in values {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
        }
        let written = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| {
                fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?
                    .write_all(&bytes)
            });
        match written {
            Ok(()) => self.pending.clear(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot write the embedding cache")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_survive_a_reopen_and_a_record_cut_short_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(dir.path(), "m");
        cache.insert("does it hurt", vec![0.5, -0.25]);
        cache.insert("how much", vec![1.0, 0.0]);
        cache.save();
        cache.insert("parking", vec![0.0, 1.0]);
        cache.save();
        let reopened = EmbeddingCache::open(dir.path(), "m");
        assert_eq!(reopened.len(), 3);
        assert_eq!(reopened.get("does it hurt"), Some(&[0.5, -0.25][..]));
        assert_eq!(reopened.get("parking"), Some(&[0.0, 1.0][..]));
        // A crash mid-append: the last record is cut short.
        let path = dir.path().join("m.bin");
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let cut = EmbeddingCache::open(dir.path(), "m");
        assert_eq!(cut.len(), 2);
        assert_eq!(cut.get("parking"), None);
        // A trained classifier is kept under its data's key only.
        reopened.save_trained("topics", &[7; 32], b"weights");
        assert_eq!(
            reopened.trained("topics", &[7; 32]).as_deref(),
            Some(&b"weights"[..])
        );
        assert_eq!(reopened.trained("topics", &[8; 32]), None);
        assert_eq!(reopened.trained("triage", &[7; 32]), None);
        // Another model's cache is another file.
        assert!(EmbeddingCache::open(dir.path(), "other").is_empty());
    }

    #[test]
    fn the_last_few_trained_classifiers_are_kept_so_an_undone_change_finds_its_model() {
        let dir = tempfile::tempdir().unwrap();
        let cache = EmbeddingCache::open(dir.path(), "m");
        for k in 0..=TRAINED_KEPT as u8 {
            cache.save_trained("topics", &[k; 32], &[k]);
            // Modification times tell the newest apart.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(cache.trained("topics", &[0; 32]), None, "the oldest went");
        for k in 1..=TRAINED_KEPT as u8 {
            assert_eq!(cache.trained("topics", &[k; 32]), Some(vec![k]));
        }
        cache.save_trained("triage", &[9; 32], b"t");
        assert_eq!(cache.trained("topics", &[1; 32]), Some(vec![1]), "per kind");
    }
}
