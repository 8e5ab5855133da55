//! The OpenAPI 3 document, generated from the handlers' annotations and types.

use super::error::ErrorBody;
use super::handlers;
use serde_json::{json, Value};
use std::sync::OnceLock;
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
        handlers::change_password,
        handlers::list_regions,
        handlers::get_region,
        handlers::region_versions,
        handlers::region_contacts,
        super::basemap::describe,
        super::basemap::tile,
        handlers::locate,
        handlers::list_units,
        handlers::import_grids,
        super::events::create_event,
        super::events::list_events,
        super::events::get_event,
        super::events::act,
        super::work_orders::accept_many,
        super::work_orders::work_orders,
        super::dashboard::summary,
        super::dashboard::trend,
        super::users::list,
        super::users::create,
        super::users::set_password,
        super::users::change,
        super::users::unlock,
        super::people::create,
        super::people::list,
        super::people::get,
        super::key_people::add_key_role,
        super::key_people::record_visit,
        super::key_people::due,
        super::houses::create_house,
        super::houses::list_houses,
        super::imports::import,
        super::imports::template,
        super::imports::import_sheet,
        super::imports::sheet_template,
        super::export::list,
        super::imports::import_progress,
        super::people::export,
        super::people::vocabulary,
        super::key_people::open_event,
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
        super::mediation::committees,
        super::mediation::rooms,
        super::mediation::mediators,
        super::mediation::vocabulary,
        super::mediation::get_limits,
        super::mediation::put_limits,
        super::mediation::cases::list,
        super::mediation::cases::open,
        super::mediation::cases::get,
        super::mediation::steps::take_step,
        super::mediation::steps::on_the_spot,
        super::mediation::documents::make,
        super::mediation::documents::download,
        super::mediation::stars::get_criteria,
        super::mediation::stars::put_criteria,
        super::mediation::stars::preview,
        super::mediation::stars::decide,
        super::mediation::stars::board,
        super::mediation::stats::stats,
        super::mediation::stats::export,
        super::risk::get_indicators,
        super::risk::put_indicators,
        super::risk::backtest,
        super::alerts::evaluate,
        super::alerts::list,
        super::alerts::groups,
        super::alerts::get,
        super::alerts::act,
        super::risk_meetings::contributing,
        super::risk_meetings::to_event,
        super::risk_register::list,
        super::risk_register::register,
        super::risk_register::get,
        super::risk_register::edit,
        super::risk_register::act,
        super::risk_register::sectors,
        super::risk_register::set_sectors,
        super::risk_meetings::list,
        super::risk_meetings::schedule,
        super::risk_meetings::get,
        super::risk_meetings::record,
        super::risk_meetings::dispatch,
        super::risk_meetings::report,
        super::risk_meetings::minutes,
        super::stability::list,
        super::stability::register,
        super::stability::vocabulary,
        super::stability::get,
        super::stability::report,
        super::assessment::get_scheme,
        super::assessment::put_scheme,
        super::assessment::scores,
        super::assessment::what_if,
        super::assessment::publish,
        super::assessment::export,
        super::assessment_reviews::review,
        super::assessment_reviews::reviews,
        super::assessment_reviews::appeal,
        super::assessment_reviews::appeals,
        super::assessment_reviews::decide,
        super::assessment_reviews::gaming,
        super::pilot::get_organisation,
        super::pilot::put_organisation,
        super::pilot::tasks,
        super::pilot::add_task,
        super::pilot::targets,
        super::pilot::add_target,
        super::pilot::target,
        super::pilot::report,
        super::pilot::reports,
        super::pilot::get_overview,
        super::pilot_inspections::list,
        super::pilot_inspections::record,
        super::pilot_leaders::list,
        super::pilot_leaders::record,
        super::pilot_leaders::report,
        super::pilot_ledger::sites,
        super::pilot_ledger::add_site,
        super::pilot_ledger::apply_site,
        super::pilot_ledger::decide_site,
        super::pilot_ledger::projects,
        super::pilot_ledger::project,
        super::pilot_ledger::add_project,
        super::pilot_ledger::report_project,
        super::pilot_ledger::export,
        super::pilot_checklist::get,
        super::pilot_checklist::claim,
        super::pilot_checklist::verdict,
        super::pilot_checklist::export,
        super::pilot_meetings::list,
        super::pilot_meetings::record,
        super::pilot_monthly::list,
        super::pilot_monthly::get,
        super::pilot_monthly::put,
        super::pilot_monthly::send_back,
        super::pilot_monthly::document,
        super::stability::step,
        super::stream::stream,
        super::attachments::upload,
        super::map::boundaries,
        super::map::open_events,
        super::map::places,
        super::attachments::read,
        super::reference::list_categories,
        super::reference::put_category,
        super::reference::put_time_limits,
        super::reference::list_rules,
        super::reference::put_rules,
        super::reference::get_calendar,
        super::reference::put_calendar,
        super::residents::request_code,
        super::residents::sign_in,
        super::residents::sign_out,
        super::residents::me,
        super::residents::link,
        super::residents::list_events,
        super::residents::report,
        super::residents::get_event,
        super::residents::add_to,
        super::residents::rate,
        super::residents::confirm,
        super::residents::upload_photo,
        super::residents::read_photo,
        super::residents::categories,
        super::notices::resident_notices,
        super::notices::list,
        super::notices::post,
        super::notices::withdraw,
        super::notices::outbox,
        super::surveys::templates,
        super::surveys::list,
        super::surveys::create,
        super::surveys::one,
        super::surveys::open,
        super::surveys::close,
        super::surveys::publish,
        super::surveys::results,
        super::surveys::export,
        super::surveys::answer,
        super::surveys::draw,
        super::surveys::resident_list,
        super::surveys::resident_one,
        super::surveys::resident_answer,
        super::deliberations::list,
        super::deliberations::record,
        super::deliberations::one,
        super::deliberations::complete,
        super::patrols::compounds,
        super::patrols::create_compound,
        super::patrols::routes,
        super::patrols::add_route,
        super::patrols::shifts,
        super::patrols::schedule,
        super::patrols::shift,
        super::patrols::check_in,
        super::patrols::end,
        super::patrols::police_posts,
        super::api_keys::issue,
        super::api_keys::list,
        super::api_keys::revoke,
        super::api_keys::rotate,
        super::api_keys::whoami,
        super::video_alerts::raise,
        super::video_alerts::types,
        super::feed::feed,
        super::webhooks::list,
        super::webhooks::subscribe,
        super::webhooks::rotate_secret,
        super::webhooks::disable,
        super::webhooks::enable,
        super::webhooks::deliveries,
        super::webhooks::replay,
        super::staffing::roster,
        super::staffing::roster_sheet,
        super::staffing::post,
        super::staffing::end,
        super::staffing::cover,
        super::staffing::cancel,
        super::wule::scheme,
        super::wule::list,
        super::wule::one,
        super::wule::save,
        super::wule::review,
        super::points::template,
        super::points::rules,
        super::points::adopt,
        super::points::entries,
        super::points::award,
        super::points::entry,
        super::points::decide,
        super::points::appeal,
        super::points::accounts,
        super::points::account,
        super::points::month,
        super::points::publish,
        super::points::publications,
        super::points::ranking,
        super::points::goods,
        super::points::add_goods,
        super::points::restock,
        super::points::redeem,
        super::points::redemptions,
        super::points_resident::resident_page,
        super::points_resident::resident_claim,
        super::points_resident::resident_appeal,
        super::points_resident::resident_redeem,
        super::points_resident::resident_month,
        super::points_resident::resident_ranking,
        super::desk::caller,
        super::desk::take_appeal,
        super::desk::reply,
        super::desk::figures,
        super::desk::replies_due,
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
            // A resident's token (zr_…, from a code sent to their phone) opens only the
            // /api/v1/resident doors; a staff token opens none of them.
            // A system's API key (zk_…, issued by an administrator for a unit) opens only the
            // doors for systems.
            components.add_security_scheme(
                "system_key",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
            components.add_security_scheme(
                "resident",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The document as served: the annotations' document made exact by [`exact`], built once.
pub fn document_json() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serializes");
        exact(&mut doc);
        // Open311's paths speak the standard's forms, formats and errors, written out whole.
        let (paths, schemas) = super::open311::document();
        if let (Some(to), Value::Object(from)) = (doc["paths"].as_object_mut(), paths) {
            to.extend(from);
        }
        if let (Some(to), Value::Object(from)) =
            (doc["components"]["schemas"].as_object_mut(), schemas)
        {
            to.extend(from);
        }
        doc
    })
}

pub async fn document() -> axum::Json<&'static Value> {
    axum::Json(document_json())
}

/// Adds what holds for every operation alike, so that each lists every status it can answer:
/// 400 for a malformed request (JSON, query string, unknown parameter), 401 where a sign-in is
/// required, 403 where a staff session is (`password_change_required`), 422 for a parameter or field out of its bounds, 413 and 415 for bodies; and the
/// text rule on every string a JSON body carries.
fn exact(doc: &mut Value) {
    let error = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}});
    let mut body_schemas = Vec::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                // Unique by construction (handlers' names repeat across modules).
                op["operationId"] = operation_id(method, path).into();
                let secured = op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_some_and(|s| !s.is_empty());
                // A staff session whose password must change first is refused everywhere else.
                let staff = op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
                let has_params = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|p| !p.is_empty());
                let body = op.get("requestBody").cloned();
                let region_param =
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .is_some_and(|ps| {
                            ps.iter().any(|p| {
                                p.pointer("/schema/pattern").and_then(Value::as_str)
                                    == Some(super::schema::REGION_CODE)
                            })
                        });
                if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for p in params {
                        if let Some(schema) = p.get_mut("schema") {
                            integer_bounds(schema);
                        }
                    }
                }
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                let mut add = |status: &str| {
                    responses.entry(status).or_insert_with(|| error.clone());
                };
                add("400");
                if secured {
                    add("401");
                }
                if staff
                    && ![
                        "/api/v1/auth/password",
                        "/api/v1/auth/me",
                        "/api/v1/auth/logout",
                    ]
                    .contains(&path.as_str())
                {
                    add("403");
                }
                if has_params || body.is_some() {
                    add("422");
                }
                // A region named that is not in the caller's area is not found, as if absent.
                if region_param {
                    add("404");
                }
                if let Some(body) = body {
                    add("413");
                    add("415");
                    if let Some(content) =
                        body.get("content").and_then(|c| c.get("application/json"))
                    {
                        body_schemas.push(content["schema"].clone());
                    }
                }
            }
        }
    }
    // Every schema a JSON body reaches, followed through references.
    let mut seen = std::collections::BTreeSet::new();
    let mut pending = body_schemas;
    while let Some(schema) = pending.pop() {
        collect_refs(&schema, &mut |name| {
            if seen.insert(name.to_string()) {
                pending.push(doc["components"]["schemas"][name].clone());
            }
        });
    }
    for name in &seen {
        if let Some(schema) = doc["components"]["schemas"].get_mut(name.as_str()) {
            constrain_text(schema);
        }
    }
    // What the server answers carries every field, null where there is nothing (serde writes
    // `None` as null), but for the few it leaves out when empty.
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for (name, schema) in schemas.iter_mut().filter(|(n, _)| !seen.contains(*n)) {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                continue;
            };
            let required: Vec<Value> = properties
                .keys()
                .filter(|p| !OMITTED_WHEN_EMPTY.contains(&(name.as_str(), p.as_str())))
                .map(|p| Value::from(p.as_str()))
                .collect();
            schema["required"] = required.into();
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                if let Some(schema) =
                    op.pointer_mut("/requestBody/content/application~1json/schema")
                {
                    constrain_text(schema);
                }
            }
        }
    }
}

/// Response fields left out when they are empty (`skip_serializing_if`, or written by hand).
const OMITTED_WHEN_EMPTY: &[(&str, &str)] =
    &[("RegionView", "geometry"), ("ErrorBody", "message_zh")];

/// `get_people_by_id` for `GET /api/v1/people/{id}`.
fn operation_id(method: &str, path: &str) -> String {
    let segments = path
        .trim_start_matches("/api/v1")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => format!("by_{param}"),
                None => s.replace(['-', '.'], "_"),
            },
        );
    std::iter::once(method.to_string())
        .chain(segments)
        .collect::<Vec<_>>()
        .join("_")
}

fn collect_refs(schema: &Value, found: &mut impl FnMut(&str)) {
    match schema {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                if let Some(name) = r.strip_prefix("#/components/schemas/") {
                    found(name);
                }
            }
            map.values().for_each(|v| collect_refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        _ => {}
    }
}

fn is_type(schema: &serde_json::Map<String, Value>, name: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == name),
        _ => false,
    }
}

/// Every free string of a body schema: no forbidden characters (unless it is already an
/// enumeration or has a pattern of its own).
fn constrain_text(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if is_type(map, "string") && !map.contains_key("enum") && !map.contains_key("pattern") {
                map.insert(
                    "pattern".into(),
                    zhili_domain::text::allowed_pattern().into(),
                );
            }
            integer_bounds_map(map);
            // The variants of a tagged request (serde's deny_unknown_fields holds for each).
            if let Some(Value::Array(variants)) = map.get_mut("oneOf") {
                for v in variants.iter_mut().filter_map(Value::as_object_mut) {
                    if v.contains_key("properties") {
                        v.entry("additionalProperties").or_insert(false.into());
                    }
                }
            }
            for (key, v) in map.iter_mut() {
                // Example values are data, not schemas.
                if key != "example" && key != "examples" && key != "default" && key != "enum" {
                    constrain_text(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(constrain_text),
        _ => {}
    }
}

/// An `int64` without bounds of its own is still bounded by what it is read into.
fn integer_bounds(schema: &mut Value) {
    if let Some(map) = schema.as_object_mut() {
        integer_bounds_map(map);
    }
}

fn integer_bounds_map(map: &mut serde_json::Map<String, Value>) {
    if is_type(map, "integer") {
        let (min, max) = match map.get("format").and_then(Value::as_str) {
            Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
            Some("uint32") => (0, i64::from(u32::MAX)),
            Some("uint64") | Some("uint") => (0, i64::MAX),
            _ => (i64::MIN, i64::MAX),
        };
        map.entry("minimum").or_insert(min.into());
        map.entry("maximum").or_insert(max.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// utoipa keys the document's schemas by name, so a second type of one name silently
    /// replaces the first (the document then describes the wrong body): every name is one type.
    #[test]
    fn every_schema_name_is_one_type() {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let lines: Vec<&str> = text.lines().collect();
                    for (i, line) in lines.iter().enumerate() {
                        if !(line.contains("#[derive(") && line.contains("ToSchema")) {
                            continue;
                        }
                        let mut renamed = None;
                        for next in &lines[i + 1..(i + 8).min(lines.len())] {
                            let next = next.trim();
                            if let Some(rest) = next.strip_prefix("#[schema(as = ") {
                                renamed = rest.split(')').next().map(str::to_string);
                            }
                            let declared = next
                                .strip_prefix("pub struct ")
                                .or_else(|| next.strip_prefix("pub enum "));
                            if let Some(decl) = declared {
                                let name: String = decl
                                    .chars()
                                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                                    .collect();
                                out.push((renamed.unwrap_or(name), path.display().to_string()));
                                break;
                            }
                        }
                    }
                }
            }
        }
        let mut names = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut names,
        );
        assert!(names.len() > 100, "the schemas were found: {}", names.len());
        names.sort();
        let twice: Vec<_> = names.windows(2).filter(|w| w[0].0 == w[1].0).collect();
        assert!(twice.is_empty(), "one name, two types: {twice:?}");
    }

    fn parameter<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
    }

    #[test]
    fn patterns_written_out_in_annotations_are_the_vocabularys() {
        let doc = document_json();
        for path in ["/api/v1/regions/{code}", "/api/v1/regions/{code}/versions"] {
            assert_eq!(
                parameter(doc, path, "get", "code")["schema"]["pattern"],
                super::super::schema::REGION_CODE
            );
        }
        let kinds = parameter(
            doc,
            "/api/v1/people/{id}/key-roles/{kind}/event",
            "post",
            "kind",
        )["schema"]["pattern"]
            .as_str()
            .unwrap()
            .trim_start_matches("^(")
            .trim_end_matches(")$")
            .split('|')
            .collect::<Vec<_>>();
        let groups: Vec<&str> = zhili_domain::person::KeyGroup::ALL
            .iter()
            .flat_map(|k| [k.as_str(), k.label_zh()])
            .collect();
        assert_eq!(kinds.len(), groups.len());
        assert!(groups.iter().all(|g| kinds.contains(g)), "{kinds:?}");
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = document_json();
        let mut ids = std::collections::BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                let id = op["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_string()), "{id} twice");
            }
        }
        assert!(ids.contains("get_people_by_id") && ids.contains("post_events_by_id_actions"));
    }

    #[test]
    fn every_operation_lists_its_refusals_in_the_error_shape() {
        let doc = document_json();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.contains_key("400"), "{method} {path}");
                let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
                assert!(!secured || responses.contains_key("401"), "{method} {path}");
                // Open311's paths refuse in the standard's own shape, in the path's format.
                let (media, shape) = if path.starts_with("/open311/") {
                    if path.ends_with(".xml") {
                        ("text/xml", None)
                    } else {
                        (
                            "application/json",
                            Some("#/components/schemas/Open311Errors"),
                        )
                    }
                } else {
                    ("application/json", Some("#/components/schemas/ErrorBody"))
                };
                for (status, r) in responses.iter().filter(|(s, _)| s.starts_with('4')) {
                    let content = &r["content"][media];
                    assert!(content.is_object(), "{method} {path} {status}");
                    if let Some(shape) = shape {
                        assert_eq!(content["schema"]["$ref"], shape, "{method} {path} {status}");
                    }
                }
            }
        }
    }
}
