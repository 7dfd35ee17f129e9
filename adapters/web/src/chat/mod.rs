//! The web chat for patients on the clinic's own site (issue 26, being
//! built; `docs/webchat.md` has the plan). So far: the visitor's signed id
//! ([`visitor`]). Its routes, the panel and the widget come next, on the
//! console's listener.

pub mod visitor;
