//! The HTTP layer: routes, authentication, limits, the OpenAPI document, serving.

pub mod attachments;
pub mod dashboard;
pub mod deliberations;
pub mod desk;
mod download;
pub mod error;
pub mod events;
pub mod export;
pub mod feed;
pub mod handlers;
pub mod houses;
pub mod imports;
pub mod key_people;
pub mod map;
pub mod notices;
pub mod open311;
mod open311_format;
mod openapi;
pub use openapi::document_json as openapi_document;
pub mod alerts;
pub mod api_keys;
pub mod assessment;
pub mod assessment_reviews;
pub mod basemap;
mod current_user;
pub mod mediation;
pub mod patrols;
pub mod people;
pub mod pilot;
pub mod pilot_checklist;
pub mod pilot_inspections;
pub mod pilot_leaders;
pub mod pilot_ledger;
pub mod pilot_meetings;
pub mod pilot_monthly;
pub mod points;
pub mod points_resident;
pub mod reference;
pub mod residents;
pub mod risk;
pub mod risk_meetings;
pub mod risk_register;
mod risk_watch;
pub mod schema;
pub mod situations;
pub mod stability;
pub mod staffing;
pub mod stream;
pub use current_user::{client_place, CurrentUser};
pub mod surveys;
pub mod things;
pub mod tls;
pub mod users;
pub mod video_alerts;
mod web;
pub mod webhooks;
pub mod work_orders;
pub mod wule;

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, request::Parts};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

/// Ordinary JSON bodies are small; boundary files get their own, larger limit.
pub const BODY_LIMIT: usize = 64 * 1024;
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// Whether a request's `If-None-Match` names `etag` (then the answer is 304, no body).
pub fn etag_matches(request: &axum::http::HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
}

/// Unknown API paths answer the error shape; any other GET is the web app.
async fn fallback(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api")
        || !matches!(method, axum::http::Method::GET | axum::http::Method::HEAD)
    {
        return error::no_route().await.into_response();
    }
    // A tile service the operator configured is the one other origin the page may load from.
    let tiles = match state.basemap().as_deref() {
        Some(crate::basemap::Basemap::Service(s)) => Some(s.origin.clone()),
        _ => None,
    };
    web::serve(uri, headers, tiles.as_deref()).await
}

/// The token of `Authorization: Bearer <token>`, if there is one of a sane length.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| t.len() <= 200)
}

/// Whether a session still works (signed out, expired and ended sessions do not), through
/// the same token cache as every request.
pub async fn session_alive(state: &AppState, token_hash: &str) -> bool {
    let now = crate::now_ms();
    if state.cached_user(token_hash, now).is_some() {
        return true;
    }
    match state.store.user_by_token(token_hash, now).await {
        Ok(Some(user)) => {
            state.cache_user(token_hash, &user, now);
            true
        }
        Ok(None) => false,
        // A passing database failure does not end anyone's stream.
        Err(_) => true,
    }
}

/// Headers every answer carries: the app is never framed (clickjacking), types are never
/// sniffed; API answers (personal data among them) are not stored by browsers or proxies
/// unless the handler chose a cache policy itself (photos, map layers).
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::HeaderValue;
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The page's own policy (web.rs) is kept, with framing forbidden added to it; replacing
    // it would drop every source restriction the page has.
    let policy = match h
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
    {
        Some(own) if own.contains("frame-ancestors") => own.to_string(),
        Some(own) => format!("{own}; frame-ancestors 'none'"),
        None => "frame-ancestors 'none'".to_string(),
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&policy)
            .unwrap_or(HeaderValue::from_static("frame-ancestors 'none'")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if api && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

pub fn router(state: Arc<AppState>) -> Router {
    use handlers::*;
    let api = Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/auth/password", post(change_password))
        .route("/resident/code", post(residents::request_code))
        .route(
            "/resident/session",
            post(residents::sign_in).delete(residents::sign_out),
        )
        .route("/resident/me", get(residents::me))
        .route("/resident/link", post(residents::link))
        .route(
            "/resident/events",
            get(residents::list_events).post(residents::report),
        )
        .route("/resident/events/{id}", get(residents::get_event))
        .route("/resident/events/{id}/additions", post(residents::add_to))
        .route("/resident/events/{id}/rating", post(residents::rate))
        .route(
            "/resident/events/{id}/confirmation",
            post(residents::confirm),
        )
        .route("/resident/categories", get(residents::categories))
        .route("/resident/notices", get(notices::resident_notices))
        .route("/notices", get(notices::list).post(notices::post))
        .route("/notices/{id}/withdrawal", post(notices::withdraw))
        .route("/outbox", get(notices::outbox))
        .route("/survey-templates", get(surveys::templates))
        .route("/surveys", get(surveys::list).post(surveys::create))
        .route("/surveys/{id}", get(surveys::one))
        .route("/surveys/{id}/opening", post(surveys::open))
        .route("/surveys/{id}/closing", post(surveys::close))
        .route("/surveys/{id}/publication", post(surveys::publish))
        .route("/surveys/{id}/results", get(surveys::results))
        .route("/surveys/{id}/export", get(surveys::export))
        .route("/surveys/{id}/answers", post(surveys::answer))
        .route("/surveys/{id}/draw", post(surveys::draw))
        .route("/resident/surveys", get(surveys::resident_list))
        .route("/resident/surveys/{id}", get(surveys::resident_one))
        .route(
            "/resident/surveys/{id}/answers",
            post(surveys::resident_answer),
        )
        .route(
            "/deliberations",
            get(deliberations::list).post(deliberations::record),
        )
        .route("/deliberations/{id}", get(deliberations::one))
        .route(
            "/deliberations/{id}/decisions/{seq}/completion",
            post(deliberations::complete),
        )
        .route(
            "/compounds",
            get(patrols::compounds).post(patrols::create_compound),
        )
        .route(
            "/compounds/{id}/routes",
            get(patrols::routes).post(patrols::add_route),
        )
        .route(
            "/patrol/shifts",
            get(patrols::shifts).post(patrols::schedule),
        )
        .route("/patrol/shifts/{id}", get(patrols::shift))
        .route("/police-posts", get(patrols::police_posts))
        .route("/patrol/shifts/{id}/check-ins", post(patrols::check_in))
        .route("/patrol/shifts/{id}/end", post(patrols::end))
        .route("/api-keys", get(api_keys::list).post(api_keys::issue))
        .route("/api-keys/whoami", get(api_keys::whoami))
        .route(
            "/video-alerts",
            post(video_alerts::raise).layer(DefaultBodyLimit::max(video_alerts::BODY_LIMIT)),
        )
        .route("/video-alerts/types", get(video_alerts::types))
        .route("/feed", get(feed::feed))
        .route("/webhooks", get(webhooks::list).post(webhooks::subscribe))
        .route(
            "/webhooks/{id}/rotate-secret",
            post(webhooks::rotate_secret),
        )
        .route("/webhooks/{id}/disable", post(webhooks::disable))
        .route("/webhooks/{id}/enable", post(webhooks::enable))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/webhook-deliveries/{id}/replay", post(webhooks::replay))
        .route("/api-keys/{id}/revoke", post(api_keys::revoke))
        .route("/api-keys/{id}/rotate", post(api_keys::rotate))
        .route("/grid-staff", get(staffing::roster).post(staffing::post))
        .route("/grid-staff/roster.xlsx", get(staffing::roster_sheet))
        .route("/grid-staff/{id}/end", post(staffing::end))
        .route("/grid-covers", post(staffing::cover))
        .route("/grid-covers/{id}/cancel", post(staffing::cancel))
        .route("/wule/scheme", get(wule::scheme))
        .route("/wule/evaluations", get(wule::list))
        .route(
            "/wule/evaluations/{village_code}/{year}",
            get(wule::one).put(wule::save),
        )
        .route(
            "/wule/evaluations/{village_code}/{year}/review",
            post(wule::review),
        )
        .route("/points/template", get(points::template))
        .route("/points/rules", get(points::rules).post(points::adopt))
        .route("/points/entries", get(points::entries).post(points::award))
        .route("/points/entries/{id}", get(points::entry))
        .route("/points/entries/{id}/decision", post(points::decide))
        .route("/points/entries/{id}/appeal", post(points::appeal))
        .route("/points/accounts", get(points::accounts))
        .route("/points/accounts/{person_id}", get(points::account))
        .route("/points/months/{month}", get(points::month))
        .route("/points/months/{month}/publication", post(points::publish))
        .route("/points/publications", get(points::publications))
        .route("/points/rankings/{quarter}", get(points::ranking))
        .route("/points/goods", get(points::goods).post(points::add_goods))
        .route("/points/goods/{id}/stock", post(points::restock))
        .route(
            "/points/redemptions",
            get(points::redemptions).post(points::redeem),
        )
        .route("/resident/points", get(points_resident::resident_page))
        .route(
            "/resident/points/claims",
            post(points_resident::resident_claim),
        )
        .route(
            "/resident/points/entries/{id}/appeal",
            post(points_resident::resident_appeal),
        )
        .route(
            "/resident/points/redemptions",
            post(points_resident::resident_redeem),
        )
        .route(
            "/resident/points/months/{month}",
            get(points_resident::resident_month),
        )
        .route(
            "/resident/points/rankings/{quarter}",
            get(points_resident::resident_ranking),
        )
        .route("/desk/callers", get(desk::caller))
        .route("/desk/appeals", post(desk::take_appeal))
        .route("/desk/figures", get(desk::figures))
        .route("/desk/replies-due", get(desk::replies_due))
        .route("/events/{id}/reply", post(desk::reply))
        .route("/regions", get(list_regions))
        .route("/regions/{code}", get(get_region))
        .route("/regions/{code}/versions", get(region_versions))
        .route("/regions/{code}/contacts", get(region_contacts))
        .route("/basemap", get(basemap::describe))
        .route("/basemap/tiles/{z}/{x}/{y}", get(basemap::tile))
        .route("/locate", get(locate))
        .route("/units", get(list_units))
        .route("/users", get(users::list).post(users::create))
        .route("/people", get(people::list).post(people::create))
        .route(
            "/people/import",
            post(imports::import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/people/import/template", get(imports::template))
        .route(
            "/import/{sheet}",
            post(imports::import_sheet).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/import/{sheet}/template", get(imports::sheet_template))
        .route("/export/{list}", get(export::list))
        .route("/imports/{id}/progress", get(imports::import_progress))
        .route("/people/export", get(people::export))
        .route("/people/vocabulary", get(people::vocabulary))
        .route("/people/{id}", get(people::get))
        .route("/people/{id}/key-roles", post(key_people::add_key_role))
        .route("/people/{id}/visits", post(key_people::record_visit))
        .route(
            "/people/{id}/key-roles/{kind}/event",
            post(key_people::open_event),
        )
        .route("/visits/due", get(key_people::due))
        .route(
            "/houses",
            get(houses::list_houses).post(houses::create_house),
        )
        .route("/things", get(things::list).post(things::create))
        .route("/things/uptime", get(things::uptime))
        .route("/orgs", get(things::list_orgs).post(things::create_org))
        .route(
            "/situations",
            get(situations::list).post(situations::create),
        )
        .route("/situations/vocabulary", get(situations::vocabulary))
        .route("/situations/{id}", get(situations::get))
        .route(
            "/risk/indicators",
            get(risk::get_indicators).put(risk::put_indicators),
        )
        .route("/risk/backtest", post(risk::backtest))
        .route("/risk/evaluate", post(alerts::evaluate))
        .route("/risk/alerts", get(alerts::list))
        .route("/risk/alert-groups", get(alerts::groups))
        .route("/risk/alerts/{id}", get(alerts::get))
        .route("/risk/alerts/{id}/actions", post(alerts::act))
        .route("/risk/alerts/{id}/events", get(risk_meetings::contributing))
        .route("/risk/alerts/{id}/event", post(risk_meetings::to_event))
        .route(
            "/risk/register",
            get(risk_register::list).post(risk_register::register),
        )
        .route(
            "/risk/register/{id}",
            get(risk_register::get).put(risk_register::edit),
        )
        .route("/risk/register/{id}/actions", post(risk_register::act))
        .route(
            "/risk/sectors",
            get(risk_register::sectors).put(risk_register::set_sectors),
        )
        .route(
            "/risk/meetings",
            get(risk_meetings::list).post(risk_meetings::schedule),
        )
        .route("/risk/meetings/{id}", get(risk_meetings::get))
        .route("/risk/meetings/{id}/minutes", get(risk_meetings::minutes))
        .route("/risk/meetings/{id}/record", post(risk_meetings::record))
        .route(
            "/risk/meetings/{id}/dispatch",
            post(risk_meetings::dispatch),
        )
        .route("/risk/report", get(risk_meetings::report))
        .route(
            "/risk/decisions",
            get(stability::list).post(stability::register),
        )
        .route("/risk/decisions/vocabulary", get(stability::vocabulary))
        .route(
            "/assessment/schemes/{year}/{group}",
            get(assessment::get_scheme).put(assessment::put_scheme),
        )
        .route("/assessment/scores", get(assessment::scores))
        .route("/assessment/what-if", post(assessment::what_if))
        .route("/assessment/publish", post(assessment::publish))
        .route("/assessment/export", get(assessment::export))
        .route(
            "/assessment/reviews",
            get(assessment_reviews::reviews).post(assessment_reviews::review),
        )
        .route(
            "/assessment/appeals",
            get(assessment_reviews::appeals).post(assessment_reviews::appeal),
        )
        .route(
            "/assessment/appeals/{id}/decision",
            post(assessment_reviews::decide),
        )
        .route("/assessment/gaming", get(assessment_reviews::gaming))
        .route(
            "/pilot/organisation",
            get(pilot::get_organisation).put(axum::handler::Handler::layer(
                pilot::put_organisation,
                DefaultBodyLimit::max(pilot::ORGANISATION_LIMIT),
            )),
        )
        .route("/pilot/tasks", get(pilot::tasks).post(pilot::add_task))
        .route(
            "/pilot/targets",
            get(pilot::targets).post(pilot::add_target),
        )
        .route("/pilot/targets/{id}", get(pilot::target))
        .route(
            "/pilot/targets/{id}/progress",
            get(pilot::reports).post(pilot::report),
        )
        .route("/pilot/overview", get(pilot::get_overview))
        .route("/pilot/leaders", get(pilot_leaders::list))
        .route(
            "/pilot/sites",
            get(pilot_ledger::sites).post(pilot_ledger::add_site),
        )
        .route(
            "/pilot/sites/{code}/application",
            post(pilot_ledger::apply_site),
        )
        .route(
            "/pilot/sites/{code}/decision",
            post(pilot_ledger::decide_site),
        )
        .route(
            "/pilot/projects",
            get(pilot_ledger::projects).post(pilot_ledger::add_project),
        )
        .route("/pilot/projects/{code}", get(pilot_ledger::project))
        .route("/pilot/ledger/export", get(pilot_ledger::export))
        .route(
            "/pilot/projects/{code}/reports",
            post(pilot_ledger::report_project),
        )
        .route("/pilot/checklist", get(pilot_checklist::get))
        .route("/pilot/checklist/export", get(pilot_checklist::export))
        .route(
            "/pilot/checklist/{code}/claim",
            axum::routing::put(pilot_checklist::claim),
        )
        .route(
            "/pilot/checklist/{code}/verdict",
            axum::routing::put(pilot_checklist::verdict),
        )
        .route(
            "/pilot/meetings",
            get(pilot_meetings::list).post(pilot_meetings::record),
        )
        .route("/pilot/monthly", get(pilot_monthly::list))
        .route(
            "/pilot/monthly/{month}/{unit}",
            get(pilot_monthly::get).put(pilot_monthly::put),
        )
        .route(
            "/pilot/monthly/{month}/{unit}/return",
            post(pilot_monthly::send_back),
        )
        .route(
            "/pilot/monthly/{month}/{unit}/document",
            get(pilot_monthly::document),
        )
        .route(
            "/pilot/leaders/{username}/record",
            get(pilot_leaders::record),
        )
        .route(
            "/pilot/leaders/{username}/report",
            get(pilot_leaders::report),
        )
        .route(
            "/pilot/inspections",
            get(pilot_inspections::list).post(pilot_inspections::record),
        )
        .route("/risk/decisions/{id}", get(stability::get))
        .route("/risk/decisions/{id}/report", get(stability::report))
        .route("/risk/decisions/{id}/steps", post(stability::step))
        .route("/mediation/committees", get(mediation::committees))
        .route("/mediation/rooms", get(mediation::rooms))
        .route("/mediation/mediators", get(mediation::mediators))
        .route("/mediation/vocabulary", get(mediation::vocabulary))
        .route(
            "/mediation/limits",
            get(mediation::get_limits).put(mediation::put_limits),
        )
        .route(
            "/mediation/cases",
            get(mediation::cases::list).post(mediation::cases::open),
        )
        .route("/mediation/cases/{id}", get(mediation::cases::get))
        .route(
            "/mediation/cases/{id}/steps",
            post(mediation::steps::take_step),
        )
        .route(
            "/mediation/on-the-spot",
            post(mediation::steps::on_the_spot),
        )
        .route(
            "/mediation/cases/{id}/documents",
            post(mediation::documents::make),
        )
        .route(
            "/mediation/documents/{id}",
            get(mediation::documents::download),
        )
        .route(
            "/mediation/star-criteria",
            get(mediation::stars::get_criteria).put(mediation::stars::put_criteria),
        )
        .route(
            "/mediation/star-review/{year}",
            get(mediation::stars::preview)
                .post(mediation::stars::decide)
                .layer(DefaultBodyLimit::max(mediation::stars::DECIDE_LIMIT)),
        )
        .route("/mediation/board", get(mediation::stars::board))
        .route("/mediation/stats", get(mediation::stats::stats))
        .route("/mediation/stats/export", get(mediation::stats::export))
        .route("/things/{id}/state", axum::routing::put(things::set_state))
        .route(
            "/users/{username}/password",
            axum::routing::put(users::set_password),
        )
        .route("/users/{username}", axum::routing::patch(users::change))
        .route(
            "/users/{username}/unlock",
            axum::routing::post(users::unlock),
        )
        .route(
            "/events",
            get(events::list_events).post(events::create_event),
        )
        .route("/events/accept", post(work_orders::accept_many))
        .route("/events/work-orders", get(work_orders::work_orders))
        .route(
            "/attachments",
            post(attachments::upload).layer(DefaultBodyLimit::max(zhili_domain::image::MAX_BYTES)),
        )
        .route("/attachments/{id}", get(attachments::read))
        .route(
            "/resident/photos",
            post(residents::upload_photo)
                .layer(DefaultBodyLimit::max(zhili_domain::image::MAX_BYTES)),
        )
        .route("/resident/photos/{id}", get(residents::read_photo))
        .route("/events/stream", get(stream::stream))
        .route("/events/{id}", get(events::get_event))
        .route("/events/{id}/actions", post(events::act))
        .route("/dashboard/summary", get(dashboard::summary))
        .route("/dashboard/trend", get(dashboard::trend))
        .route("/map/boundaries", get(map::boundaries))
        .route("/map/events", get(map::open_events))
        .route("/map/places", get(map::places))
        .route("/reference/categories", get(reference::list_categories))
        .route(
            "/reference/time-limits",
            axum::routing::put(reference::put_time_limits),
        )
        .route(
            "/reference/categories/{code}",
            axum::routing::put(reference::put_category),
        )
        .route(
            "/reference/dispatch-rules",
            get(reference::list_rules).put(reference::put_rules),
        )
        .route(
            "/reference/calendar/{year}",
            get(reference::get_calendar).put(reference::put_calendar),
        )
        .route(
            "/grids/import",
            post(import_grids).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        );
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::document))
        .nest("/api/v1", api)
        .nest("/open311/v2", open311::routes())
        .fallback(fallback)
        .method_not_allowed_fallback(error::wrong_method)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // gzip for clients that ask (the app's scripts, map layers, lists); never for the
        // live stream or photos (the default predicate leaves those alone).
        // The fastest level: on two cores, level 6 spent 100 ms on the 5 MB open-events
        // layer for a few per cent fewer bytes.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest),
        )
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves until the process is stopped; rebuilds the region index when boundaries change
/// (an import by another process is noticed within seconds).
pub async fn serve(state: Arc<AppState>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    start_background(&state);
    // The peer's address is where a sign-in comes from (failures are counted per place).
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

/// `serve` over TLS: the same router, each answer with HSTS.
pub async fn serve_tls(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    config: Arc<tokio_rustls::rustls::ServerConfig>,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    start_background(&state);
    let listener = tls::TlsListener::new(listener, config)?.tap_io(|_| {});
    let app = router(state).layer(axum::middleware::map_response(
        |mut response: axum::response::Response| async move {
            response.headers_mut().insert(
                header::STRICT_TRANSPORT_SECURITY,
                axum::http::HeaderValue::from_static(tls::HSTS),
            );
            response
        },
    ));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

/// The server's own work beside the requests: boundary changes, the risk watch, text
/// messages, webhooks, points, partitions, the data key ring.
fn start_background(state: &Arc<AppState>) {
    let watcher = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = watcher.refresh_index().await {
                tracing::warn!(error = %e, "could not check for boundary changes");
            }
        }
    });
    tokio::spawn(risk_watch::watch_risks(state.clone()));
    tokio::spawn(crate::texts::run_delivery(state.clone()));
    tokio::spawn(crate::webhook_delivery::run(state.clone()));
    tokio::spawn(settle_points(state.clone()));
    tokio::spawn(keep_partitions(state.clone()));
    crate::key_rotation::spawn(state.store.clone(), state.key.clone());
}

/// PostgreSQL: makes the coming months' partitions of the events and the record ahead of
/// time, at start and hourly, and moves into its month what the default partition caught (a
/// history loaded with its own dates). Nothing on SQLite.
async fn keep_partitions(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match state.store.maintain_partitions(crate::now_ms()).await {
            Ok(made) if !made.is_empty() => tracing::info!(partitions = ?made, "partitions made"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not make the coming months' partitions"),
        }
    }
}

/// Credits points whose public notice is over and takes those that expired, once a minute
/// (and at start, for what fell due while the server was down).
async fn settle_points(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        match crate::usecase::points::settle(&state, crate::now_ms()).await {
            Ok(done) if done.credited + done.expired > 0 => {
                tracing::info!(
                    credited = done.credited,
                    expired = done.expired,
                    "points settled"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not settle points"),
        }
    }
}
