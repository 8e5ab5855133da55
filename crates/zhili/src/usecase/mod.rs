//! The use cases: every change the system makes, one function each, taking who acts and a
//! typed command and answering a typed result or a refusal. HTTP handlers, the CLI, the demo
//! and the simulator call these; none calls another's handler. No axum or sqlx type appears
//! in their signatures; the HTTP edge turns bodies into commands and results into views.
//!
//! | area | use cases |
//! |---|---|
//! | `intake` | report an event (every door), and the builder the demo history shares |
//! | `act` | one step of the closed loop on an event |
//! | `evidence` | upload a photo; the photos and links every door checks |
//! | `people` | register a person or a house, add a key role, record a visit, open a key person's event |
//! | `things` | register a component/camera or an organisation, set a thing's state |
//! | `situations` | record a situation note |
//! | `mediation` | open a dispute-mediation case (from an event in one step), take a step on it |
//! | `residents` | a resident's code, sign-up and sign-in, link to their person, their own reports (report, follow, add to, rate, confirm), their notices |
//! | `desk` | the reception desk: a caller found by number, an appeal taken with its receipt, the reply once closed, the hotline's figures |
//! | `notices` | a centre's or station's public notices for its residents |
//! | `surveys` | a survey round drafted, opened with quotas, answered online, at the door and by telephone, closed, published; its results and its sheet |
//! | `accounts` | create an account, set its password, sign in and out |
//! | `api_keys` | issue, revoke and rotate a system's API key; authenticate a presented key |
//! | `video_alerts` | a camera's alert posted by the video platform with its key: an event at the camera with its snapshot, a repeat answered with the open one |
//! | `webhooks` | subscribe a unit's endpoint, rotate its secret, disable and enable it, its delivery log, replay a delivery |
//! | `feed` | the change feed after a cursor, for a key that reads it, in its area |
//! | `open311` | Open311 GeoReport v2: the services, a request filed with a key, its unit's requests and their step-by-step updates |
//! | `reference` | edit a category, the dispatch rules, a year's calendar |
//! | `risk` | the risk indicator catalogue (a new version), an indicator's backtest over history |
//! | `staffing` | post grid leaders, workers and assistants to grids, end a posting, arrange and cancel a cover |
//! | `grid_import`, `sheet_import` | boundaries from GeoJSON; people, houses, organisations and things from sheets |

pub mod accounts;
pub mod act;
pub mod api_keys;
pub mod assess;
pub mod deliberations;
pub mod desk;
pub mod evidence;
pub mod feed;
pub mod grid_import;
pub mod intake;
pub mod mediation;
pub mod notices;
pub mod open311;
pub mod patrols;
pub mod people;
pub mod pilot;
pub mod points;
pub mod police;
pub mod reference;
pub mod residents;
pub mod risk;
pub mod sheet_import;
pub mod sign_in;
pub mod situations;
pub mod staffing;
pub mod staffing_sheet;
pub mod surveys;
pub mod things;
pub mod video_alerts;
pub mod webhooks;
pub mod wule;

use zhili_domain::{DomainError, ErrorCode};
use zhili_store::StoreError;

/// Why a use case did not do what it was asked.
#[derive(Debug)]
pub enum Error {
    /// One refusal of the domain (`StoreError::Domain`), or the store's own fault.
    Store(StoreError),
    /// Every problem with what was sent, in field order, so a form or a sheet row learns all
    /// that is wrong at once. Never empty.
    Problems(Vec<DomainError>),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Self {
        Error::Store(StoreError::Domain(e))
    }
}

impl Error {
    /// The problems, or one problem when there are none (a refusal without a reason is a fault).
    pub fn problems(problems: Vec<DomainError>) -> Error {
        if problems.is_empty() {
            Error::Store(StoreError::Internal("refused without a reason".into()))
        } else {
            Error::Problems(problems)
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Store(e) => e.fmt(f),
            Error::Problems(p) => {
                let mut first = true;
                for d in p {
                    if !first {
                        f.write_str("; ")?;
                    }
                    first = false;
                    d.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

/// The role may not do this (403).
pub(crate) fn forbidden(message: &str) -> Error {
    DomainError::new(ErrorCode::Forbidden, message).into()
}

/// Something named that does not exist for the caller: 404, as anything outside their area.
pub(crate) fn not_found(field: &str, message: String) -> Error {
    DomainError::new(ErrorCode::NotFound, message)
        .with_field(field)
        .into()
}

/// A field with a bad value (422).
pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Error {
    DomainError::invalid(field, message).into()
}
