//! The shell every chat adapter shares, whatever the platform: the [`App`]
//! the handlers hold (engine, clock, router), running the engine off the
//! async workers, staff actions with their errors logged, receipts for
//! deliveries the platform took, and routing what the engine returns to
//! other platforms and the staff desks.
//!
//! Adapters keep only what is about their platform: receiving, rendering
//! and sending. [`Lanes`] gives them one queue per destination; [`desk`]
//! decides where a desk post goes when each ticket has its own topic or
//! thread.

pub mod desk;
mod lanes;

use std::sync::Arc;

use frontdesk_core::handoff::{Actor, StaffAction};
use frontdesk_core::{
    Clock, Delivery, Engine, Incoming, Receipt, Response, Router, StaffEvent, StaffResponse, Store,
};
pub use lanes::Lanes;

/// Everything an adapter's handlers share.
pub struct App<S: Store> {
    pub engine: Arc<Engine<S>>,
    pub clock: Arc<dyn Clock>,
    /// Deliveries to other platforms' chats and to every staff desk.
    pub router: Arc<Router>,
}

impl<S: Store> App<S> {
    /// Runs engine work (store reads and writes) on a blocking thread,
    /// never an async worker; `None` if it panicked (logged).
    pub async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine<S>) -> T + Send + 'static,
    ) -> Option<T> {
        let engine = self.engine.clone();
        match tokio::task::spawn_blocking(move || work(&engine)).await {
            Ok(done) => Some(done),
            Err(e) => {
                tracing::error!(error = %e, "engine work panicked");
                None
            }
        }
    }

    /// Runs one patient message through the engine, which writes to disk:
    /// on a blocking thread, never an async worker.
    pub async fn handle(&self, incoming: Incoming) -> Response {
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || engine.handle(&incoming))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "the engine panicked");
                Response::default()
            })
    }

    /// A staff member's action. A failure is logged, and the staff member
    /// told it did not work.
    pub async fn staff(&self, actor: Actor, action: StaffAction) -> StaffResponse {
        let engine = self.engine.clone();
        let now = self.clock.now();
        match tokio::task::spawn_blocking(move || engine.handle_staff(&actor, &action, now)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "staff action failed");
                StaffResponse::failed()
            }
            Err(e) => {
                tracing::error!(error = %e, "the engine panicked on a staff action");
                StaffResponse::failed()
            }
        }
    }

    /// Tells the engine the platform took a delivery that wanted a receipt.
    pub async fn confirm(&self, receipt: Receipt) {
        let (engine, now) = (self.engine.clone(), self.clock.now());
        let done = tokio::task::spawn_blocking(move || engine.delivered(&receipt, now)).await;
        if !matches!(done, Ok(Ok(()))) {
            tracing::error!("cannot record that a delivery was taken");
        }
    }

    /// What a sent delivery's outcome means: its receipt confirmed when the
    /// platform took it, and when it did not, the engine told (`why`, in
    /// words without any message text), which may have the desks told.
    pub async fn settle(&self, receipt: Option<Receipt>, outcome: Result<(), String>) {
        match (receipt, outcome) {
            (Some(receipt), Ok(())) => self.confirm(receipt).await,
            (Some(receipt), Err(why)) => {
                let engine = self.engine.clone();
                let told = tokio::task::spawn_blocking(move || engine.undelivered(&receipt, &why));
                match told.await {
                    Ok(Ok(deliveries)) => {
                        deliveries.into_iter().for_each(|d| self.router.deliver(d))
                    }
                    _ => tracing::error!("cannot record that a delivery failed"),
                }
            }
            (None, _) => {}
        }
    }

    /// After a patient's replies were sent, or failed: logs the staff
    /// events (without any message text) and routes the alerts and desk
    /// events to every desk.
    pub fn after_replies(&self, response: &Response) {
        response.staff.iter().for_each(StaffEvent::log);
        response
            .desk_deliveries()
            .for_each(|d| self.router.deliver(d));
    }

    /// After a staff member was answered: routes the messages for patients
    /// (on whatever platform they are) and the desk events.
    pub fn after_staff(&self, response: StaffResponse) {
        for delivery in response.to_patients {
            self.router.deliver(delivery);
        }
        for event in response.desk {
            self.router.deliver(Delivery::desk(event));
        }
    }
}

/// Text cut into messages a platform accepts, in order: at most `max_chars`
/// characters each, cut after the first of `boundaries` found in the second
/// half of each window (else at the limit), then moved back by `keep_whole`
/// where the cut would split something (an escape, an entity). Blank pieces
/// are dropped; joined, the pieces are the text.
pub fn split_text(
    text: &str,
    max_chars: usize,
    boundaries: &[&str],
    keep_whole: impl Fn(&str, usize) -> usize,
) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some((limit, _)) = rest.char_indices().nth(max_chars) {
        let head = &rest[..limit];
        let cut = boundaries
            .iter()
            .find_map(|b| {
                head.rfind(b)
                    .map(|i| i + b.len())
                    .filter(|&i| i >= limit / 2)
            })
            .unwrap_or(limit);
        let cut = keep_whole(head, cut);
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    pieces.push(rest);
    pieces
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned)
        .collect()
}
