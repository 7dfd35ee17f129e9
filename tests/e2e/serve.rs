//! `frontdesk serve` as a clinic runs it: a stop on SIGTERM finishes what it
//! has in hand, and edits to the knowledge folder are taken up while it
//! runs, a broken one reported and the last good version kept.

use std::time::Duration;

use frontdesk_testkit::telegram::{FakeTelegram, User};

use crate::helpers::{faq_copy, settled, signal, spawn_bot};

/// The staff group of the shipped desk.toml.
const DESK: i64 = -1_001_000_000_001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_replies_and_desk_posts_in_hand_and_exits_zero() {
    let fake = FakeTelegram::start().await;
    let bot = spawn_bot();
    let child = bot.serve(&fake, &[], std::process::Stdio::null());
    let first = User::new(600, "First");
    fake.user_says(&first, "does it hurt?");
    fake.next_to(first.id, 0).await;

    // Ten patients ask for a person at once; the stop comes as soon as the
    // first of them has its answer, with the rest in hand or still queued.
    let patients: Vec<User> = (0..10)
        .map(|i| User::new(610 + i, &format!("Pat{i}")))
        .collect();
    let before = fake.calls("sendMessage");
    for p in &patients {
        fake.user_says(p, "/human");
    }
    while fake.calls("sendMessage") == before {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(&child, "TERM");
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("it stops after SIGTERM")
        .unwrap();
    assert!(out.status.success(), "exit status {:?}", out.status);

    // Whatever it took before stopping it finished: each open ticket's
    // patient was answered and the desk was told.
    let tickets = |bot: &crate::helpers::TestBot| -> Vec<String> {
        let out = bot.run(&["tickets", "--json"], "");
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|t| t["patient"].as_str().unwrap().to_owned())
            .collect()
    };
    let answered = |p: &User| {
        fake.sent_to(p.id)
            .iter()
            .filter(|m| m.plain_text().contains("front-desk team"))
            .count()
    };
    let posted = |p: &User| {
        fake.sent_to(DESK)
            .iter()
            .filter(|m| {
                m.plain_text()
                    .contains(&format!(": {} on telegram", p.first_name))
            })
            .count()
    };
    let taken = tickets(&bot);
    assert!(!taken.is_empty());
    for p in patients.iter().filter(|p| taken.contains(&p.first_name)) {
        assert_eq!(answered(p), 1, "{} was not answered", p.first_name);
        assert_eq!(
            posted(p),
            1,
            "{}'s ticket did not reach the desk",
            p.first_name
        );
    }
    eprintln!(
        "{} of {} requests were handled before the stop, {} updates left for the next start",
        taken.len(),
        patients.len(),
        fake.pending_updates()
    );

    // What it had not taken is handled after a restart, once.
    let polls = fake.calls("getUpdates");
    let child = bot.serve(&fake, &[], std::process::Stdio::null());
    // Ready (its signal handlers are in place) once it polls.
    while fake.calls("getUpdates") == polls {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for p in &patients {
        let mut waited = 0;
        while answered(p) == 0 && waited < 150 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
    }
    settled(|| fake.sent_to(DESK).len()).await;
    signal(&child, "TERM");
    assert!(child.wait_with_output().await.unwrap().status.success());
    assert_eq!(tickets(&bot).len(), patients.len());
    for p in &patients {
        assert_eq!(answered(p), 1, "{}", p.first_name);
        assert_eq!(posted(p), 1, "{}", p.first_name);
    }
}

/// Asks "does it hurt?" and returns the answer's text.
async fn ask(fake: &FakeTelegram, user: &User) -> String {
    let n = fake.sent_to(user.id).len();
    fake.user_says(user, "does it hurt?");
    fake.next_to(user.id, n).await.plain_text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_to_the_knowledge_file_is_served_and_a_broken_edit_keeps_the_last_good_version() {
    let fake = FakeTelegram::start().await;
    let faq = faq_copy();
    let mut bot = spawn_bot();
    bot.faq = faq.path().to_owned();
    let log_path = bot.data.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = bot.serve(&fake, &["--watch-seconds", "1"], log.into());
    let pat = User::new(620, "Pat");
    assert!(ask(&fake, &pat).await.contains("needles are very fine"));

    // Staff reword an answer: the next question gets the new words.
    let file = faq.path().join("knowledge.toml");
    let good = std::fs::read_to_string(&file).unwrap().replacen(
        "The needles are very fine, so",
        "The needles are ultra-fine, so",
        1,
    );
    std::fs::write(&file, &good).unwrap();
    let mut answer = String::new();
    for _ in 0..50 {
        answer = ask(&fake, &pat).await;
        if answer.contains("ultra-fine") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answer.contains("ultra-fine"), "{answer}");

    // A broken edit: reported with file and line, to the desk and the log,
    // and the bot keeps answering from the last good version.
    let broken = format!("{good}\nthis line is not a setting\n");
    let line = broken.lines().count();
    std::fs::write(&file, &broken).unwrap();
    // (Other desk posts, such as the day's digest, may come first.)
    let mut report = String::new();
    for _ in 0..300 {
        if let Some(m) = fake
            .sent_to(DESK)
            .iter()
            .find(|m| m.plain_text().contains("was not loaded"))
        {
            report = m.plain_text();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(report.contains("was not loaded"), "no report to the desk");
    assert!(
        report.contains(&format!("knowledge.toml:{line}:")),
        "{report}"
    );
    assert!(ask(&fake, &pat).await.contains("ultra-fine"));

    // Fixed again: served again.
    std::fs::write(&file, good.replacen("ultra-fine", "extra-fine", 1)).unwrap();
    let mut answer = String::new();
    for _ in 0..50 {
        answer = ask(&fake, &pat).await;
        if answer.contains("extra-fine") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answer.contains("extra-fine"), "{answer}");
    signal(&child, "TERM");
    assert!(child.wait_with_output().await.unwrap().status.success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("knowledge.toml:"), "{log}");
    assert!(log.contains("knowledge folder reloaded"), "{log}");
    assert!(
        !log.contains("does it hurt"),
        "message text is never logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_knowledge_folder_when_watching_is_off() {
    let fake = FakeTelegram::start().await;
    let faq = faq_copy();
    let mut bot = spawn_bot();
    bot.faq = faq.path().to_owned();
    let child = bot.serve(
        &fake,
        &["--watch-seconds", "0"],
        std::process::Stdio::null(),
    );
    let pat = User::new(630, "Pat");
    assert!(ask(&fake, &pat).await.contains("needles are very fine"));
    let file = faq.path().join("knowledge.toml");
    let edited = std::fs::read_to_string(&file).unwrap().replacen(
        "The needles are very fine, so",
        "The needles are ultra-fine, so",
        1,
    );
    std::fs::write(&file, edited).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        ask(&fake, &pat).await.contains("very fine"),
        "not watched: no reload yet"
    );
    signal(&child, "HUP");
    let mut answer = String::new();
    for _ in 0..50 {
        answer = ask(&fake, &pat).await;
        if answer.contains("ultra-fine") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answer.contains("ultra-fine"), "{answer}");
    signal(&child, "TERM");
    assert!(child.wait_with_output().await.unwrap().status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_serve_within_ten_seconds_while_the_platforms_cannot_be_reached() {
    let bot = spawn_bot();
    // Tests run without a network: the real platforms are unreachable, so
    // both adapters are connecting and retrying when the signal comes.
    let env = [
        ("TELEGRAM_BOT_TOKEN", "123456:not-a-real-token"),
        ("DISCORD_BOT_TOKEN", "not-a-real-token"),
    ];
    let child = bot.serve_with(&env, &[], std::process::Stdio::null());
    tokio::time::sleep(Duration::from_secs(3)).await;
    signal(&child, "TERM");
    let ended = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output()).await;
    assert!(ended.is_ok(), "serve still running 10 s after SIGTERM");
}
