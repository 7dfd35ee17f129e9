//! The sentence encoder: a BERT-family sentence-transformers model run in
//! process by candle, with Hugging Face's tokenizer; mean pooling over the
//! tokens and L2 normalisation, as sentence-transformers does.
//!
//! A single query is encoded without padding (the model's `tokenizer.json`
//! pads to 128 tokens, which makes one query about five times slower);
//! batches are padded to their longest text, texts of similar length
//! together.

use std::path::Path;
use std::sync::{Arc, mpsc};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_nn::var_builder::SimpleBackend;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::Tokenizer;

/// Why text could not be encoded, or the model not loaded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("cannot read {file}: {reason}")]
    Load { file: String, reason: String },
    #[error("the tokenizer failed: {0}")]
    Tokenize(String),
    #[error("the model failed: {0}")]
    Model(#[from] candle_core::Error),
    /// The model failed on a batch this message was part of (or its
    /// thread has stopped).
    #[error("the model failed: {0}")]
    Batch(String),
}

/// Longest input, in tokens (the model was trained on up to 256; long
/// stories keep their first part, where the question usually starts).
const MAX_TOKENS: usize = 256;
/// Texts encoded together when many are encoded at once.
const BATCH: usize = 32;

/// Has candle use every core the process may run on, without asking the
/// system each time.
///
/// candle looks up its thread count on every matrix product: from
/// `RAYON_NUM_THREADS` when it is set, else by counting physical cores,
/// which on Linux parses `/proc/cpuinfo` every time (a fifth of the time of
/// a short message here). Setting the variable once, unless the operator
/// has, removes that: one message encodes in about 11 ms instead of 15 on
/// two cores (`cargo bench -p frontdesk-semantic --bench encoder`).
///
/// # Safety
///
/// It sets an environment variable, which is only sound while no other
/// thread exists: call it first thing in `main`.
pub unsafe fn use_every_core() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // SAFETY: the caller guarantees no other thread is running.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", cores.to_string()) };
    }
}

/// The model's weights, with every linear layer's matrix laid out
/// transposed in memory (the same values, column-major). A linear layer
/// computes `x · Wᵀ`; with `W` stored row-major, `Wᵀ` is a strided view and
/// gemm copies the whole matrix into its packed form on every call, which
/// for a short message costs more than the multiplication. Laid out this
/// way, `Wᵀ` is contiguous and read in place (one message: about a third of
/// the time it took).
struct LinearWeightsTransposed(candle_core::safetensors::BufferedSafetensors);

impl LinearWeightsTransposed {
    fn lay_out(name: &str, tensor: Tensor) -> candle_core::Result<Tensor> {
        if tensor.rank() == 2 && name.ends_with(".weight") && !name.contains("embeddings") {
            tensor.t()?.contiguous()?.t()
        } else {
            Ok(tensor)
        }
    }
}

impl SimpleBackend for LinearWeightsTransposed {
    fn get(
        &self,
        shape: candle_core::Shape,
        name: &str,
        init: candle_nn::Init,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        Self::lay_out(
            name,
            SimpleBackend::get(&self.0, shape, name, init, dtype, device)?,
        )
    }

    fn get_unchecked(
        &self,
        name: &str,
        dtype: DType,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        Self::lay_out(
            name,
            SimpleBackend::get_unchecked(&self.0, name, dtype, device)?,
        )
    }

    fn contains_tensor(&self, name: &str) -> bool {
        SimpleBackend::contains_tensor(&self.0, name)
    }
}

/// A loaded sentence encoder.
///
/// Messages encoded one at a time (what a chat sends) go through one
/// thread that takes whatever has arrived meanwhile as one batch: under
/// load, one forward pass over many messages instead of many passes that
/// interleave in candle's thread pool. Alone, a message is a batch of one.
pub struct Encoder {
    model: Arc<Model>,
    tokenizer: Tokenizer,
    /// To the batching thread; it stops when the encoder is dropped.
    queue: mpsc::Sender<Job>,
    /// Names the model in the embedding cache.
    id: String,
}

/// A message's token ids, and where its embedding goes.
type Job = (Vec<u32>, mpsc::Sender<Result<Vec<f32>, String>>);

/// The network itself.
struct Model {
    bert: BertModel,
    device: Device,
}

/// Serves the queue: waits for a message, adds every one that arrived
/// meanwhile (up to [`BATCH`]), encodes them together and answers each.
fn serve(model: Arc<Model>, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let batch: Vec<&[u32]> = jobs.iter().map(|(t, _)| t.as_slice()).collect();
        match model.embed_tokens(&batch) {
            Ok(embeddings) => {
                for ((_, reply), embedding) in jobs.iter().zip(embeddings) {
                    let _ = reply.send(Ok(embedding));
                }
            }
            Err(e) => {
                for (_, reply) in &jobs {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").field("id", &self.id).finish()
    }
}

impl Encoder {
    /// Loads `model.safetensors`, `config.json` and `tokenizer.json` from
    /// `dir`. `id` names the model in the embedding cache.
    pub fn load(dir: &Path, id: &str) -> Result<Encoder, EncodeError> {
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| EncodeError::Load {
                file: dir.join(name).display().to_string(),
                reason: e.to_string(),
            })
        };
        let config: Config =
            serde_json::from_slice(&read("config.json")?).map_err(|e| EncodeError::Load {
                file: "config.json".into(),
                reason: e.to_string(),
            })?;
        let mut tokenizer =
            Tokenizer::from_bytes(read("tokenizer.json")?).map_err(|e| EncodeError::Load {
                file: "tokenizer.json".into(),
                reason: e.to_string(),
            })?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| EncodeError::Tokenize(e.to_string()))?;
        let device = Device::Cpu;
        let tensors =
            candle_core::safetensors::BufferedSafetensors::new(read("model.safetensors")?)?;
        let weights = VarBuilder::from_backend(
            Box::new(LinearWeightsTransposed(tensors)),
            DType::F32,
            device.clone(),
        );
        let model = Arc::new(Model {
            bert: BertModel::load(weights, &config)?,
            device,
        });
        let (queue, jobs) = mpsc::channel();
        let served = model.clone();
        std::thread::Builder::new()
            .name("encoder".into())
            .spawn(move || serve(served, jobs))
            .map_err(|e| EncodeError::Batch(e.to_string()))?;
        Ok(Encoder {
            model,
            tokenizer,
            queue,
            id: id.to_owned(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The embedding of one message, encoded together with whatever other
    /// messages arrive at the same time.
    pub fn embed_message(&self, text: &str) -> Result<Vec<f32>, EncodeError> {
        let tokens = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| EncodeError::Tokenize(e.to_string()))?
            .get_ids()
            .to_vec();
        let (reply, answer) = mpsc::channel();
        let stopped = || EncodeError::Batch("the encoder's thread has stopped".into());
        self.queue.send((tokens, reply)).map_err(|_| stopped())?;
        answer
            .recv()
            .map_err(|_| stopped())?
            .map_err(EncodeError::Batch)
    }

    /// One unit-length embedding per text, in order (in batches of texts of
    /// similar length, on the caller's thread).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError> {
        let mut tokens = Vec::with_capacity(texts.len());
        for text in texts {
            let encoding = self
                .tokenizer
                .encode(*text, true)
                .map_err(|e| EncodeError::Tokenize(e.to_string()))?;
            tokens.push(encoding.get_ids().to_vec());
        }
        // Similar lengths together, so little is padded.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| tokens[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| tokens[i].as_slice()).collect();
            for (&i, embedding) in chunk.iter().zip(self.model.embed_tokens(&batch)?) {
                out[i] = embedding;
            }
        }
        Ok(out)
    }
}

impl Model {
    /// Runs the model on token ids padded to the longest, then mean-pools
    /// the real tokens and normalises.
    fn embed_tokens(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EncodeError> {
        let longest = batch.iter().map(|t| t.len()).max().unwrap_or(0).max(1);
        let mut ids = Vec::with_capacity(batch.len() * longest);
        let mut mask = Vec::with_capacity(batch.len() * longest);
        for tokens in batch {
            ids.extend(tokens.iter().copied());
            ids.extend(std::iter::repeat_n(0u32, longest - tokens.len()));
            mask.extend(std::iter::repeat_n(1u32, tokens.len()));
            mask.extend(std::iter::repeat_n(0u32, longest - tokens.len()));
        }
        let shape = (batch.len(), longest);
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let types = ids.zeros_like()?;
        let hidden = self.bert.forward(&ids, &types, Some(&mask))?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        let unit = mean.broadcast_div(&norm)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}
