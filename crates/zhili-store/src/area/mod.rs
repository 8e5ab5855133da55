//! The store by area: one trait each, implemented by `SqlStore`; `Store` is all of them.

mod accounts;
mod attachment_store;
mod event_store;
mod loads;
mod people_store;
mod places;
mod record;
mod reference_store;
mod regions;
mod situation_store;
mod thing_store;
mod units;

pub use accounts::UserStore;
pub use attachment_store::AttachmentStore;
pub use event_store::EventStore;
pub use loads::Loads;
pub use people_store::PeopleStore;
pub use places::PlaceStore;
pub use record::RecordStore;
pub use reference_store::ReferenceStore;
pub use regions::RegionStore;
pub use situation_store::SituationStore;
pub use thing_store::ThingStore;
pub use units::UnitStore;
