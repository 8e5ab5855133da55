//! zhili (治理): the application — HTTP API, CLI commands and the demo city — assembled on
//! the domain core, the spatial layer and the storage trait.

pub mod answer_memo;
pub mod auth;
pub mod backup;
pub mod basemap;
pub mod batch_locate;
pub mod crypto;
pub mod demo;
pub mod docx;
pub mod http;
pub mod key_rotation;
pub mod keyring;
pub mod open_layer;
pub mod people;
pub mod places;
pub mod rate_limit;
pub mod reference;
pub mod regions;
pub mod relay;
pub mod sheet_file;
pub mod sheet_format;
pub mod sim;
pub mod sim_streams;
pub mod sim_webhooks;
pub mod state;
pub mod texts;
pub mod usecase;
pub mod webhook_delivery;
pub mod workbook;
pub mod writer;

/// Unix milliseconds now. The one place the application reads the clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
