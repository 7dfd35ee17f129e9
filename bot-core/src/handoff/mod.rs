//! Hand-off to staff: who counts as staff, tickets, and what staff may do.
//!
//! A ticket opens when a patient asks for a person. Staff claim it, reply
//! (relayed to the patient, whatever platform either side is on), and close
//! it. Only configured staff can act; anyone else is refused politely and
//! nothing changes. What goes to a desk is the minimum: ticket number, the
//! patient's display name and platform, why they asked, and the bot's last
//! few messages; never screening answers.
//!
//! # Layout
//!
//! - [`desk`]: [`DeskConfig`] (staff, desks) and the acting [`Actor`].
//! - [`ticket`]: [`Ticket`] and its transcript, [`StaffAction`], [`desk_message`] and
//!   [`parse_staff_command`].
//! - [`render`]: desk posts and staff-facing sentences as text.
//!
//! The engine's side (opening, relaying, claiming, closing) is in
//! `engine/handoff.rs`; getting posts to the desks is [`crate::delivery`].

pub mod desk;
pub mod render;
pub mod ticket;

pub use desk::{Actor, DeskConfig, StaffMember};
pub use render::{desk_text, digest_line};
pub use ticket::{
    Line, Speaker, StaffAction, Ticket, TicketAlert, TicketStatus, desk_message,
    parse_staff_command, parse_staff_command_in,
};
