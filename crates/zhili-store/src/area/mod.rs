//! The store by area: one trait each, implemented by `SqlStore`; `Store` is all of them.

mod accounts;
mod assessment_store;
mod attachment_store;
mod event_store;
mod loads;
mod mediation_store;
mod people_store;
mod pilot_store;
mod places;
mod record;
mod reference_store;
mod regions;
mod register_store;
mod risk_store;
mod situation_store;
mod stability_store;
mod thing_store;
mod units;

pub use accounts::*;
pub use assessment_store::*;
pub use attachment_store::*;
pub use event_store::*;
pub use loads::*;
pub use mediation_store::*;
pub use people_store::*;
pub use pilot_store::*;
pub use places::*;
pub use record::*;
pub use reference_store::*;
pub use regions::*;
pub use register_store::*;
pub use risk_store::*;
pub use situation_store::*;
pub use stability_store::*;
pub use thing_store::*;
pub use units::*;
