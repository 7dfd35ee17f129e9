//! Start-up: time from starting the `frontdesk` process to its first reply,
//! with the shipped knowledge folder and a sled data folder (the terminal
//! chat: it loads and validates `faq/`, opens the store, answers "hi").
//! Also the knowledge folder's load and validation alone, in process.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use frontdesk_core::Knowledge;

fn faq() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")
}

/// Starts `frontdesk chat`, sends one line, and times the first reply.
fn first_reply(data: &Path) -> Duration {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .arg("--faq")
        .arg(faq())
        .arg("--data")
        .arg(data)
        .args(["chat", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("frontdesk starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hi\n").unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let elapsed = start.elapsed();
    assert!(line.starts_with('{'), "a JSON reply: {line}");
    drop(stdin);
    child.wait().unwrap();
    elapsed
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(20);
    let data = tempfile::tempdir().expect("temporary folder");
    group.bench_function("process start to first reply", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| first_reply(data.path())).sum())
    });
    group.bench_function("knowledge folder load and validation", |b| {
        b.iter(|| Knowledge::load(&faq()).expect("knowledge loads"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
