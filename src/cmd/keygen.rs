//! `keygen`: a new random data key, for `FRONTDESK_DATA_KEY`.

use frontdesk_core::DataKey;

/// Prints a new key alone on standard output (so `frontdesk keygen > FILE`
/// holds just the key), and what to do with it on standard error.
pub fn run() -> anyhow::Result<()> {
    let key = DataKey::generate()?;
    println!("{}", key.to_hex());
    eprintln!(
        "This is a new data key. Keep it in your password manager: without it the encrypted \
         data folder, and its backups, cannot be read by anyone, you included. Set it as \
         FRONTDESK_DATA_KEY for every frontdesk command (see docs/encryption.md)."
    );
    Ok(())
}
