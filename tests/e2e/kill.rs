//! Crash safety: `frontdesk serve` is killed with SIGKILL at random moments
//! while patients answer the health screen on (fake) Telegram, and restarted
//! on the same data each time. No answer the bot acknowledged (by sending the
//! next question) may be lost, and no answer may be applied twice (Telegram
//! delivers unacknowledged updates again after a crash).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use frontdesk_testkit::telegram::{self, FakeTelegram, Sent, User};

use crate::helpers::{faq_dir, settled, spawn_bot};

fn serve(fake: &FakeTelegram, data: &std::path::Path) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .arg("--faq")
        .arg(faq_dir())
        .arg("--data")
        .arg(data)
        .args(["serve", "--no-throttle"])
        .env("TELEGRAM_BOT_TOKEN", telegram::TOKEN)
        .env("TELOXIDE_API_URL", fake.api_url())
        .env_remove("DISCORD_BOT_TOKEN")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("frontdesk serve starts")
}

/// The screen's questions as one patient saw them: the texts of messages
/// with a "stop" button, repeats (after a resume) dropped.
fn questions(sent: &[Sent]) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    for m in sent {
        if m.buttons().iter().any(|b| b == "screen:stop") {
            let text = m.plain_text();
            if list.last() != Some(&text) {
                list.push(text);
            }
        }
    }
    list
}

/// Answers the screen ("yes" to consent, "no" to the rest), resuming with
/// /screen when a reply does not come (the bot died with it).
async fn patient(fake: Arc<FakeTelegram>, user: User) {
    let mut next = "/screen".to_owned();
    for _ in 0..200 {
        let before = fake.sent_to(user.id).len();
        fake.user_says(&user, &next);
        let Some(_) = fake
            .wait_for(user.id, before + 1, Duration::from_secs(15))
            .await
        else {
            next = "/screen".into();
            continue;
        };
        // Let a question that follows an info line ("let's carry on…")
        // arrive too: replies to one chat go out a send tick apart.
        settled(|| fake.sent_to(user.id).len()).await;
        let sent = fake.sent_to(user.id);
        let last = sent.last().expect("a reply arrived");
        let buttons = last.buttons();
        if buttons.iter().any(|b| b == "ans:consent:yes") {
            next = "yes".into();
        } else if buttons.iter().any(|b| b == "screen:stop") {
            next = "no".into();
        } else if last.plain_text().contains("that's all the questions") {
            return;
        } else {
            next = "/screen".into();
        }
    }
    panic!("patient {} did not finish the screen", user.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_bot_mid_screen_loses_no_acknowledged_answer_and_applies_none_twice() {
    let fake = Arc::new(FakeTelegram::start().await);
    let bot = spawn_bot();
    let data = bot.data.path().to_owned();
    let mut child = serve(&fake, &data);

    // The reference walk, without crashes.
    let reference = User::new(700, "Ref");
    patient(fake.clone(), reference.clone()).await;
    let canonical = questions(&fake.sent_to(reference.id));
    assert!(canonical.len() >= 15, "{canonical:?}");

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    eprintln!("kill schedule seed: {seed}");
    let mut rng = seed | 1;
    let mut random = move |below: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below
    };
    let users: Vec<User> = (0..12).map(|i| User::new(710 + i, "Pat")).collect();
    let tasks: Vec<_> = users
        .iter()
        .map(|u| tokio::spawn(patient(fake.clone(), u.clone())))
        .collect();
    let mut kills = 0;
    while !tasks.iter().all(|t| t.is_finished()) && kills < 8 {
        tokio::time::sleep(Duration::from_millis(150 + random(600))).await;
        child.start_kill().unwrap();
        child.wait().await.unwrap();
        kills += 1;
        child = serve(&fake, &data);
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("every patient finishes")
            .unwrap();
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    assert!(kills >= 3, "the bot was killed mid-screen ({kills} times)");

    // Every patient saw every question once in order: none skipped (an
    // answer applied twice) and none asked again after a later one (an
    // acknowledged answer lost). A crash between storing the last answer and
    // sending the outcome loses the outcome message (not the answers); the
    // patient's /screen then starts a new screen from the first question.
    for user in &users {
        let seen = questions(&fake.sent_to(user.id));
        assert_eq!(
            seen[..canonical.len()],
            canonical[..],
            "patient {}",
            user.id
        );
        let again = &seen[canonical.len()..];
        assert!(
            again.is_empty() || canonical.starts_with(again),
            "patient {}: only a new screen may follow: {again:?}",
            user.id
        );
    }
    // And a completed screen each, with every answer.
    let out = bot.run(&["screenings", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut per_chat: HashMap<String, usize> = HashMap::new();
    for screen in list.as_array().unwrap() {
        *per_chat
            .entry(screen["patient"].as_str().unwrap().to_owned())
            .or_default() += 1;
        assert_eq!(screen["outcome"], "clear", "{screen}");
    }
    for user in &users {
        assert!(
            per_chat.contains_key(&format!("telegram:{}", user.id)),
            "{per_chat:?}"
        );
    }
}
