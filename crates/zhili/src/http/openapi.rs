//! The OpenAPI 3 document, generated from the handlers' annotations and types.

use super::error::ErrorBody;
use super::handlers;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "zhili 治理 API", description = "City-level social governance: regions and grids, units, users, scoped access."),
    paths(
        handlers::healthz,
        handlers::login,
        handlers::logout,
        handlers::me,
        handlers::list_regions,
        handlers::get_region,
        handlers::region_versions,
        handlers::locate,
        handlers::list_units,
        handlers::import_grids,
        super::events::create_event,
        super::events::list_events,
        super::events::get_event,
        super::events::act,
        super::dashboard::summary,
        super::dashboard::trend,
        super::users::list,
        super::users::create,
        super::users::set_password,
        super::people::create,
        super::people::list,
        super::people::get,
        super::people::add_key_role,
        super::people::record_visit,
        super::people::due,
        super::people::create_house,
        super::people::list_houses,
        super::imports::import,
        super::imports::template,
        super::imports::import_sheet,
        super::imports::sheet_template,
        super::export::list,
        super::imports::import_progress,
        super::people::export,
        super::people::vocabulary,
        super::people::open_event,
        super::things::list,
        super::things::create,
        super::things::set_state,
        super::things::uptime,
        super::things::create_org,
        super::things::list_orgs,
        super::situations::create,
        super::situations::list,
        super::situations::get,
        super::situations::vocabulary,
        super::events::stream,
        super::attachments::upload,
        super::map::boundaries,
        super::map::open_events,
        super::map::places,
        super::attachments::read,
        super::reference::list_categories,
        super::reference::put_category,
        super::reference::list_rules,
        super::reference::put_rules,
        super::reference::get_calendar,
        super::reference::put_calendar,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
