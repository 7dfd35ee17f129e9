//! The console's changes to the knowledge folder while `serve` runs: each
//! checked and written by [`frontdesk_core::knowledge::teach`], then
//! answered from at once. The new folder's classifier is trained before it
//! is swapped in, so patients never meet the bare matcher in between, and
//! the watcher is told the folder is already loaded.

use std::sync::Arc;

use frontdesk_core::knowledge::teach::{FolderChange, TeachError, change_folder};
use frontdesk_core::{Engine, SledStore, Teacher};

use crate::reload::Watched;
use crate::understanding::EncoderSlot;

pub struct FolderTeacher {
    watched: Arc<Watched>,
    engine: Arc<Engine<SledStore>>,
    encoder: EncoderSlot,
}

impl std::fmt::Debug for FolderTeacher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderTeacher")
            .field("dir", &self.watched.dir)
            .finish_non_exhaustive()
    }
}

impl FolderTeacher {
    pub fn new(
        watched: Arc<Watched>,
        engine: Arc<Engine<SledStore>>,
        encoder: EncoderSlot,
    ) -> FolderTeacher {
        FolderTeacher {
            watched,
            engine,
            encoder,
        }
    }
}

impl Teacher for FolderTeacher {
    fn change(&self, change: &FolderChange) -> Result<(), TeachError> {
        let knowledge = self
            .watched
            .writing(|| change_folder(&self.watched.dir, change))?;
        let knowledge = Arc::new(knowledge);
        let model = self.encoder.get().and_then(|encoder| {
            crate::understanding::train(encoder, &knowledge)
                .inspect_err(|e| tracing::warn!(error = %format!("{e:#}"), "the semantic classifier could not be trained; the lexical matcher answers"))
                .ok()
        });
        self.engine.replace_knowledge(knowledge.clone());
        if let Some(model) = model {
            self.engine.install_semantic(&knowledge, Arc::new(model));
        }
        tracing::info!("the knowledge folder was changed from the console and reloaded");
        Ok(())
    }
}
