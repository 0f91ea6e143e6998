//! The discpath assessment engine.
//!
//! [`assess`] is the main entry point: a pure function of a [`KnowledgeBase`] and an
//! [`Assessment`] that returns a [`Recommendation`] — pathway, red flags, contraindications,
//! scores, care plan with dates, what is missing and the rationale (every rule that fired, the
//! inputs it read, its statement, sources and certainty). It reads no clock, file, network or
//! database, and knows nothing of HTTP or SQL. [`screen_red_flags`] evaluates the same
//! red-flag rules on the answers given so far (a partial document), for a self-assessment that
//! stops at the first emergency. [`vignette`] checks a recommendation against a
//! clinical vignette's expectations.
//!
//! [`KnowledgeBase`]: discpath_kb::KnowledgeBase
//! [`Assessment`]: discpath_model::Assessment

mod assess;
mod care_plan;
mod escalation;
mod facts;
mod follow_up;
mod inputs;
mod json;
mod recommendation;
mod schedule;
mod scores;
mod screening;
pub mod vignette;

pub use assess::{assess, plan, scores};
pub use follow_up::{FollowUpState, follow_up_state, within};
pub use inputs::{InputValue, Inputs};
pub use recommendation::*;
pub use screening::{RedFlagScreening, UndecidedRedFlag, screen_red_flags};

#[cfg(test)]
mod tests;
