//! Outcomes, measured honestly: whether an episode is a responder under one of the knowledge
//! base's outcome definitions ([`classify`]), and cohort rows — responders, a Wilson 95%
//! interval, follow-up completeness and the bounds that missing follow-ups leave ([`cohort`]).
//! Pure: the caller reads the episodes from the store and says what day it is.

pub mod classify;
pub mod cohort;
pub mod funnel;
mod wilson;

pub use classify::{AnsweredFollowUp, EpisodeOutcome, Measures, Outcome, classify};
pub use cohort::{Cohort, CohortRow};
pub use funnel::FunnelPoint;
pub use wilson::{Interval, Z_95, wilson};
