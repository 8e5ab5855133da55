//! The pure domain core of zhili: values and rules with no I/O and no async.
//!
//! Everything here can be unit-tested in isolation; the spatial, storage and HTTP layers
//! depend on this crate, never the other way round.

pub mod apikey;
pub mod assess;
pub mod calendar;
pub mod chain;
pub mod code;
pub mod deliberation;
pub mod desk;
pub mod error;
pub mod event;
pub mod id_number;
pub mod image;
pub mod mediation;
pub mod open311;
pub mod org;
pub mod patrol;
pub mod person;
pub mod place;
pub mod points;
pub mod reference;
pub mod region;
pub mod resident;
pub mod risk;
pub mod role;
pub mod scope;
pub mod search;
pub mod situation;
pub mod staffing;
pub mod survey;
pub mod text;
pub mod thing;
pub mod time;
pub mod unit;
pub mod user;
pub mod vocabulary;
pub mod webhook;
pub mod wule;

pub use code::RegionCode;
pub use error::{DomainError, ErrorCode};
pub use region::{Level, Region, RegionKind};
pub use role::Role;
pub use scope::Scope;
pub use unit::{Unit, UnitId, UnitKind};
