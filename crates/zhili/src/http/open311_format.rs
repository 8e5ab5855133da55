//! Open311's two formats and its part of the OpenAPI document. The answers are built once as
//! JSON values and written either as JSON or as the standard's XML, where a list is an element
//! named for the list holding one element per item (`<services><service>…`).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// `services.json` → ("services", Json); no known suffix → none.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (name, ext) = file.rsplit_once('.')?;
        let format = match ext {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => return None,
        };
        (!name.is_empty()).then_some((name, format))
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }

    /// The format a path asked for, XML (the standard's required one) when it named none.
    pub fn of_path(path: &str) -> Format {
        if path.ends_with(".json") {
            Format::Json
        } else {
            Format::Xml
        }
    }
}

/// The element each item of a list is written as.
fn item_name(list: &str) -> &'static str {
    match list {
        "services" => "service",
        "attributes" => "attribute",
        "values" => "value",
        "service_requests" => "request",
        "service_request_updates" => "request_update",
        "errors" => "error",
        "endpoints" => "endpoint",
        "formats" => "format",
        _ => "item",
    }
}

fn element(out: &mut String, name: &str, v: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match v {
        Value::Array(items) => {
            let item = item_name(name);
            for i in items {
                element(out, item, i);
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                element(out, k, x);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push_str(&quick_xml::escape::escape(s.as_str())),
        other => out.push_str(&other.to_string()),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// The XML document of `v` under the root element `root`.
pub fn xml(root: &str, v: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    element(&mut out, root, v);
    out
}

/// `v` in the format asked for, 200.
pub fn render(format: Format, root: &str, v: &Value) -> Response {
    match format {
        Format::Json => (
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            serde_json::to_vec(v).unwrap_or_default(),
        )
            .into_response(),
        Format::Xml => (
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            xml(root, v),
        )
            .into_response(),
    }
}

fn string() -> Value {
    json!({"type": "string"})
}

fn nullable_string() -> Value {
    json!({"type": ["string", "null"]})
}

fn object(properties: Value) -> Value {
    let required: Vec<Value> = properties
        .as_object()
        .map(|p| p.keys().map(|k| Value::from(k.as_str())).collect())
        .unwrap_or_default();
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn list_of(name: &str) -> Value {
    json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{name}")}})
}

/// The schemas Open311's answers and its form use.
fn schemas(form_limit: usize) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert(
        "Open311Errors".into(),
        json!({"type": "array", "items": object(json!({"code": {"type": "integer"}, "description": string()}))}),
    );
    s.insert(
        "Open311Discovery".into(),
        object(json!({
            "changeset": string(), "contact": string(), "key_service": string(),
            "endpoints": {"type": "array", "items": object(json!({
                "specification": string(), "url": string(), "changeset": string(),
                "type": string(), "formats": {"type": "array", "items": string()},
            }))},
        })),
    );
    s.insert(
        "Open311Service".into(),
        object(json!({
            "service_code": string(), "service_name": string(), "description": string(),
            "metadata": {"type": "boolean"}, "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": string(), "group": string(),
        })),
    );
    s.insert(
        "Open311ServiceDefinition".into(),
        object(json!({
            "service_code": string(),
            "attributes": {"type": "array", "items": object(json!({
                "variable": {"type": "boolean"}, "code": string(),
                "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
                "required": {"type": "boolean"}, "datatype_description": string(),
                "order": {"type": "integer"}, "description": string(),
            }))},
        })),
    );
    s.insert(
        "Open311Request".into(),
        object(json!({
            "service_request_id": string(), "status": {"enum": ["open", "closed"]},
            "status_notes": string(), "service_name": string(), "service_code": string(),
            "description": string(), "agency_responsible": string(), "service_notice": string(),
            "requested_datetime": string(), "updated_datetime": string(),
            "expected_datetime": nullable_string(), "address": string(),
            "address_id": {"type": "null"}, "zipcode": {"type": "null"},
            "lat": {"type": "number"}, "long": {"type": "number"}, "media_url": {"type": "null"},
        })),
    );
    s.insert(
        "Open311Created".into(),
        object(json!({
            "service_request_id": string(), "token": string(), "service_notice": string(),
            "account_id": {"type": "null"},
        })),
    );
    s.insert(
        "Open311Token".into(),
        object(json!({"service_request_id": string(), "token": string()})),
    );
    s.insert(
        "Open311Update".into(),
        object(json!({
            "update_id": string(), "service_request_id": string(),
            "status": {"enum": ["FIXED", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "REOPEN"]},
            "updated_datetime": string(), "description": string(), "media_url": string(),
        })),
    );
    let text = |max: usize| json!({"type": "string", "maxLength": max});
    s.insert(
        "Open311NewRequest".into(),
        json!({
            "type": "object",
            "description": format!("A request as the standard posts it (url-encoded, at most {form_limit} bytes). Attributes a service asks for go in as attribute[code]. lat and long are required: requests are placed in their grid by position."),
            "properties": {
                "api_key": string(), "jurisdiction_id": text(20), "service_code": text(10),
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "long": {"type": "number", "minimum": -180, "maximum": 180},
                "address_string": text(200), "address_id": text(100), "email": text(100),
                "device_id": text(100), "account_id": text(100), "first_name": text(30),
                "last_name": text(20), "phone": text(30),
                "description": text(zhili_domain::open311::DESCRIPTION_MAX),
                "media_url": {"type": "string", "maxLength": 0, "description": "not accepted: photos are not fetched from addresses"},
            },
            "patternProperties": {"^attribute\\[[a-z_]+\\]$": text(200)},
            "additionalProperties": false,
            "required": ["api_key", "service_code", "lat", "long", "description"],
        }),
    );
    s
}

fn query(name: &str, required: bool, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": {"type": "string", "maxLength": 2000}})
}

fn path_param(name: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "maxLength": 40}})
}

/// The operation `get_open311_…`: the answer's schema in each format, and its refusals.
fn operation(
    id: &str,
    summary: &str,
    format: Format,
    params: Vec<Value>,
    ok: (&str, Value),
    keyed: bool,
) -> Value {
    let content = |schema: Value| match format {
        Format::Json => json!({"application/json": {"schema": schema}}),
        Format::Xml => json!({"text/xml": {"schema": {"type": "string"}}}),
    };
    let refusal = |why: &str| json!({"description": why, "content": content(json!({"$ref": "#/components/schemas/Open311Errors"}))});
    let mut responses = Map::new();
    responses.insert(
        ok.0.into(),
        json!({"description": "the answer", "content": content(ok.1)}),
    );
    responses.insert(
        "400".into(),
        refusal("a parameter or field the standard does not allow"),
    );
    responses.insert("404".into(), refusal("not found (or not the key's unit's)"));
    if keyed {
        responses.insert(
            "403".into(),
            refusal("a missing, wrong, expired or revoked api_key, or one without the scope"),
        );
    }
    let ext = match format {
        Format::Json => "json",
        Format::Xml => "xml",
    };
    json!({
        "tags": ["open311"],
        "operationId": format!("{id}_{ext}"),
        "summary": summary,
        "parameters": params,
        "responses": responses,
    })
}

/// The paths and schemas of `/open311/v2`, in both formats.
pub fn document_for(form_limit: usize) -> (Value, Value) {
    let mut paths = Map::new();
    let j = || query("jurisdiction_id", false, "the district code, if given");
    let k = || query("api_key", true, "the system's API key (zk_…)");
    let w = |n: &str| {
        query(
            n,
            false,
            "a W3C datetime with its zone; the window is at most 90 days",
        )
    };
    let r = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
    for format in [Format::Json, Format::Xml] {
        let ext = if format == Format::Json {
            "json"
        } else {
            "xml"
        };
        let mut add = |path: String, method: &str, op: Value| {
            let item = paths.entry(path).or_insert_with(|| json!({}));
            item[method] = op;
        };
        add(
            format!("/open311/v2/discovery.{ext}"),
            "get",
            operation(
                "get_open311_discovery",
                "Open311: where and how to file requests",
                format,
                vec![j()],
                ("200", r("Open311Discovery")),
                false,
            ),
        );
        add(
            format!("/open311/v2/services.{ext}"),
            "get",
            operation(
                "get_open311_services",
                "Open311: the services (our event categories)",
                format,
                vec![j()],
                ("200", list_of("Open311Service")),
                false,
            ),
        );
        add(
            format!("/open311/v2/services/{{service_code}}.{ext}"),
            "get",
            operation(
                "get_open311_service",
                "Open311: a service's attributes",
                format,
                vec![path_param("service_code"), j()],
                ("200", r("Open311ServiceDefinition")),
                false,
            ),
        );
        let mut filters = vec![
            k(),
            j(),
            query(
                "service_request_id",
                false,
                "case numbers, comma-separated (at most 100); overrides the other filters",
            ),
            query("service_code", false, "service codes, comma-separated"),
            w("start_date"),
            w("end_date"),
        ];
        filters.push(json!({"name": "status", "in": "query", "required": false, "schema": {"enum": ["open", "closed"]}}));
        add(
            format!("/open311/v2/requests.{ext}"),
            "get",
            operation(
                "get_open311_requests",
                "Open311: the requests the key's unit filed (at most 1,000, newest first)",
                format,
                filters,
                ("200", list_of("Open311Request")),
                true,
            ),
        );
        let mut post = operation(
            "post_open311_requests",
            "Open311: file a request with the key",
            format,
            vec![],
            ("201", list_of("Open311Created")),
            true,
        );
        post["requestBody"] = json!({"required": true, "content": {"application/x-www-form-urlencoded": {"schema": r("Open311NewRequest")}}});
        let refusal = post["responses"]["400"]["content"].clone();
        post["responses"]["413"] =
            json!({"description": "the form is too large", "content": refusal});
        post["responses"]["415"] =
            json!({"description": "not a url-encoded form", "content": refusal});
        add(format!("/open311/v2/requests.{ext}"), "post", post);
        add(
            format!("/open311/v2/requests/{{service_request_id}}.{ext}"),
            "get",
            operation(
                "get_open311_request",
                "Open311: one request the key's unit filed",
                format,
                vec![path_param("service_request_id"), k(), j()],
                ("200", list_of("Open311Request")),
                true,
            ),
        );
        add(
            format!("/open311/v2/tokens/{{token}}.{ext}"),
            "get",
            operation(
                "get_open311_token",
                "Open311: the request a token stands for (the token is the request's id)",
                format,
                vec![path_param("token"), k(), j()],
                ("200", list_of("Open311Token")),
                true,
            ),
        );
        add(
            format!("/open311/v2/servicerequestupdates.{ext}"),
            "get",
            operation("get_open311_updates", "Open311 (FixMyStreet's extension): the status changes of the key's unit's requests", format, vec![k(), j(), w("start_date"), w("end_date")], ("200", list_of("Open311Update")), true),
        );
    }
    (Value::Object(paths), Value::Object(schemas(form_limit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_written_as_the_standard_names_them() {
        let v = json!([{"service_code": "0101", "service_name": "占道 <经营> & 其他", "metadata": true, "expected_datetime": null}]);
        assert_eq!(
            xml("services", &v),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><expected_datetime></expected_datetime><metadata>true</metadata><service_code>0101</service_code><service_name>占道 &lt;经营&gt; &amp; 其他</service_name></service></services>"
        );
        let errors = json!([{"code": 403, "description": "bad key"}]);
        assert!(xml("errors", &errors).ends_with(
            "<errors><error><code>403</code><description>bad key</description></error></errors>"
        ));
    }

    #[test]
    fn formats_come_from_the_suffix() {
        assert_eq!(
            Format::split("services.json"),
            Some(("services", Format::Json))
        );
        assert_eq!(
            Format::split("500114-20261204-00001.xml"),
            Some(("500114-20261204-00001", Format::Xml))
        );
        assert_eq!(Format::split("services"), None);
        assert_eq!(Format::split(".json"), None);
        assert_eq!(Format::split("services.html"), None);
        assert_eq!(Format::of_path("/open311/v2/x.json"), Format::Json);
        assert_eq!(Format::of_path("/open311/v2/x"), Format::Xml);
    }
}
