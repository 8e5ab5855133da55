//! The use cases: every change the system makes, one function each, taking who acts and a
//! typed command and answering a typed result or a refusal (`StoreError::Domain` carries the
//! domain's code and field). HTTP handlers, the CLI, the demo and the simulator call these;
//! none calls another's handler. No axum or sqlx type appears in their signatures.
//!
//! Moving in area by area: intake (`intake::report`), the closed loop's steps (`act::act`)
//! and the evidence every door checks (`evidence`) are here; the rest still live beside
//! their handlers.

pub mod act;
pub mod evidence;
pub mod intake;
