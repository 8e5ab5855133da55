//! The API as a client meets it: the document, and every kind of bad input answered with a 4xx and the field at fault.

use super::*;

#[tokio::test]
async fn health_and_openapi() {
    on_every_backend(|s| async move {
        let (status, body) = s.get("/healthz", None).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
        let (status, doc) = s.get("/api/openapi.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/auth/login",
            "/api/v1/regions",
            "/api/v1/regions/{code}",
            "/api/v1/locate",
            "/api/v1/units",
            "/api/v1/grids/import",
            "/healthz",
        ] {
            assert!(
                doc["paths"].get(path).is_some(),
                "{path} missing from the OpenAPI document"
            );
        }
        assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
        let (status, _) = s.get("/", None).await;
        assert_eq!(status, StatusCode::OK);
        s
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_the_field_never_a_500() {
    on_every_backend(|s| async move {
        let json_ct = Some("application/json");
        let login = "/api/v1/auth/login";
        let (st, b) = s.post(login, None, json_ct, "{\"username\": ").await;
        assert_error(st, &b, 400, "invalid_json");
        let (st, b) = s
            .post(
                login,
                None,
                json_ct,
                r#"{"username":"a","password":"b","extra":1}"#,
            )
            .await;
        assert_error(st, &b, 400, "unknown_field");
        assert_eq!(b["details"]["field"], "extra");
        let (st, b) = s.post(login, None, json_ct, r#"{"username":"a"}"#).await;
        assert_error(st, &b, 400, "missing_field");
        assert_eq!(b["details"]["field"], "password");
        let (st, b) = s
            .post(login, None, json_ct, r#"{"username":7,"password":"b"}"#)
            .await;
        assert_error(st, &b, 422, "invalid_parameter");
        assert_eq!(b["details"]["field"], "username");
        let (st, b) = s.post(login, None, json_ct, "[]").await;
        assert_error(st, &b, 400, "invalid_json");
        // A path parameter that is not even text answers the one error shape too.
        let district = s.token("district").await;
        for path in [
            "/api/v1/regions/%00%ff",
            "/api/v1/events/%ff",
            "/api/v1/people/%c3%28",
        ] {
            let (st, b) = s.get(path, Some(&district)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "path", "{path}");
        }
        let (st, b) = s
            .post(login, None, None, r#"{"username":"a","password":"b"}"#)
            .await;
        assert_error(st, &b, 415, "unsupported_media_type");
        let huge = format!(r#"{{"username":"a","password":"{}"}}"#, "x".repeat(200_000));
        let (st, b) = s.post(login, None, json_ct, huge).await;
        assert_error(st, &b, 413, "payload_too_large");

        let t = s.token("district").await;
        let t = Some(t.as_str());
        for (path, status, code, field) in [
            (
                "/api/v1/regions?level=country",
                422,
                "invalid_parameter",
                Some("level"),
            ),
            (
                "/api/v1/regions?parent=12345",
                422,
                "invalid_parameter",
                Some("parent"),
            ),
            (
                "/api/v1/regions?geometry=maybe",
                422,
                "invalid_parameter",
                Some("geometry"),
            ),
            (
                "/api/v1/regions?bogus=1",
                400,
                "unknown_field",
                Some("bogus"),
            ),
            (
                "/api/v1/regions/abc",
                422,
                "invalid_parameter",
                Some("code"),
            ),
            (
                "/api/v1/regions/500114001001001/versions?x=1",
                400,
                "unknown_field",
                Some("x"),
            ),
            (
                "/api/v1/auth/me?verbose=1",
                400,
                "unknown_field",
                Some("verbose"),
            ),
            (
                "/api/v1/locate?lon=108.7&lat=95",
                422,
                "invalid_parameter",
                Some("lat"),
            ),
            (
                "/api/v1/locate?lon=200&lat=29.5",
                422,
                "invalid_parameter",
                Some("lon"),
            ),
            (
                "/api/v1/locate?lon=abc&lat=29.5",
                422,
                "invalid_parameter",
                Some("lon"),
            ),
            (
                "/api/v1/locate?lon=NaN&lat=29.5",
                422,
                "invalid_parameter",
                Some("lon"),
            ),
            (
                "/api/v1/locate?lon=108.7",
                400,
                "missing_field",
                Some("lat"),
            ),
            (
                "/api/v1/locate?lon=108.7&lat=29.5&crs=utm",
                422,
                "invalid_parameter",
                Some("crs"),
            ),
            (
                "/api/v1/units?kind=shop",
                422,
                "invalid_parameter",
                Some("kind"),
            ),
            ("/api/v1/nothing-here", 404, "not_found", None),
        ] {
            let (st, b) = s.get(path, t).await;
            assert_error(st, &b, status, code);
            if let Some(f) = field {
                assert_eq!(b["details"]["field"], f, "{path}: {b}");
            }
        }
        let (st, b) = s.post("/api/v1/regions", t, json_ct, "{}").await;
        assert_error(st, &b, 405, "method_not_allowed");
        s
    })
    .await;
}

/// The web app's API types are generated from the document by openapi-typescript into
/// `web/src/api-schema.ts`; an API change the committed types do not show fails here.
/// `ZHILI_UPDATE_API_TYPES=1` writes them anew (then `npm run build` checks the app against them).
#[test]
fn the_web_apps_api_types_are_generated_from_the_document() {
    let web = web_with_packages();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("api-types");
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("openapi.json");
    std::fs::write(
        &doc,
        serde_json::to_vec_pretty(zhili::http::openapi_document()).unwrap(),
    )
    .unwrap();
    let generated = dir.join("api-schema.ts");
    let out = std::process::Command::new("node")
        .arg(web.join("node_modules/openapi-typescript/bin/cli.js"))
        .arg(&doc)
        .arg("--output")
        .arg(&generated)
        .output()
        .expect("node runs openapi-typescript");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = "// Generated from /api/openapi.json by openapi-typescript: do not edit.\n// Regenerate: ZHILI_UPDATE_API_TYPES=1 cargo test -p zhili --test api api_types\n\n";
    let fresh = format!("{header}{}", std::fs::read_to_string(&generated).unwrap());
    let committed_path = web.join("src/api-schema.ts");
    if std::env::var_os("ZHILI_UPDATE_API_TYPES").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "web/src/api-schema.ts is not what the document generates: run ZHILI_UPDATE_API_TYPES=1 cargo test -p zhili --test api api_types, then build the web app"
    );
}
