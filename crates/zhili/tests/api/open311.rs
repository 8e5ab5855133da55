//! Open311 GeoReport v2: a system files a request with its key and follows it to closure, in
//! JSON and XML, with the standard's errors; and clients no one here wrote (PyPI's `open311`
//! and `georeport`) do the same.

use super::*;

fn in_days(d: i64) -> String {
    zhili_domain::time::rfc3339(zhili::now_ms() + d * 86_400_000)
}

/// Issues a key for `unit` as the administrator; answers the key.
async fn issue(s: &Server, unit: &str, channels: Value, reads: Value) -> String {
    let admin = s.token("admin").await;
    let body = json!({"unit_id": unit, "name": format!("{unit} 的诉求系统"), "channels": channels,
        "reads": reads, "area_code": null, "expires_at": in_days(90)});
    let (status, issued) = post_json(s, "/api/v1/api-keys", &admin, body).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["key"].as_str().unwrap().to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut f = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        f.append_pair(k, v);
    }
    f.finish()
}

async fn post_form(s: &Server, path: &str, body: String) -> (StatusCode, String) {
    let r = s
        .http
        .post(format!("{}{path}", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn get_text(s: &Server, path: &str) -> (StatusCode, String, String) {
    let r = s
        .http
        .get(format!("{}{path}", s.base))
        .send()
        .await
        .unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status(), ct, r.text().await.unwrap())
}

/// The standard's error: one `{code, description}` naming the status.
fn assert_open311_error(status: StatusCode, body: &str, expected: u16, mentions: &str) {
    assert_eq!(status.as_u16(), expected, "{body}");
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON errors: {body}"));
    assert_eq!(v[0]["code"], expected, "{body}");
    let d = v[0]["description"].as_str().unwrap();
    assert!(d.contains(mentions), "{mentions:?} in {d}");
}

#[tokio::test]
async fn a_system_files_a_request_with_its_key_and_follows_it_to_closure() {
    on_every_backend(|s| async move {
        let p = deep_point("500114001001001");
        let (lat, lon) = (p.y.to_string(), p.x.to_string());
        // Discovery and services are public; formats by suffix.
        let (status, ct, body) = get_text(&s, "/open311/v2/discovery.json").await;
        assert_eq!(
            (status, ct.starts_with("application/json")),
            (StatusCode::OK, true),
            "{body}"
        );
        let d: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            d["endpoints"][0]["formats"],
            json!(["text/xml", "application/json"])
        );
        let (status, ct, body) = get_text(&s, "/open311/v2/services.xml").await;
        assert_eq!((status, ct.starts_with("text/xml")), (StatusCode::OK, true));
        assert!(
            body.contains("<service><description>")
                && body.contains("<service_code>0602</service_code>"),
            "{body}"
        );
        let (_, _, body) = get_text(&s, "/open311/v2/services/0102.json").await;
        let def: Value = serde_json::from_str(&body).unwrap();
        let codes: Vec<&str> = def["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            ["occurred_at", "parties"],
            "a dispute asks for its parties: {def}"
        );
        let (status, _, body) = get_text(&s, "/open311/v2/services/9999.json").await;
        assert_open311_error(status, &body, 404, "service");
        let (status, ct, body) = get_text(&s, "/open311/v2/services").await;
        assert_eq!(
            (status, ct.starts_with("text/xml")),
            (StatusCode::NOT_FOUND, true),
            "{body}"
        );
        assert!(body.contains("<errors><error><code>404</code>"), "{body}");
        let (status, _, body) =
            get_text(&s, "/open311/v2/services.json?jurisdiction_id=110000").await;
        assert_open311_error(status, &body, 404, "jurisdiction_id");
        let (status, _, body) = get_text(
            &s,
            "/open311/v2/services.json?jurisdiction_id=500114&page=2",
        )
        .await;
        assert_open311_error(status, &body, 400, "page");

        let key = issue(&s, "D01", json!(["hotline"]), json!(["own_events"])).await;
        let video_only = issue(&s, "D02", json!(["video_alert"]), json!(["own_events"])).await;
        let other_unit = issue(&s, "D03", json!(["hotline"]), json!(["own_events"])).await;
        let write_only = issue(&s, "D04", json!(["department"]), json!([])).await;
        let good = |k: &str| -> Vec<(String, String)> {
            [
                ("api_key", k),
                ("service_code", "0602"),
                ("lat", lat.as_str()),
                ("long", lon.as_str()),
                ("description", "路灯连续三晚不亮"),
                ("address_string", "正街 3 号"),
                ("last_name", "王"),
                ("first_name", "小明"),
                ("phone", "138-0013-8000"),
                ("attribute[occurred_at]", "2026-12-01T20:00:00+08:00"),
            ]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
        };
        let encode = |pairs: &[(String, String)]| {
            form(
                &pairs
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect::<Vec<_>>(),
            )
        };

        // A missing, wrong, revoked or out-of-scope key: 403 in the standard's shape.
        let mut no_key = good(&key);
        no_key.remove(0);
        for (body, why) in [
            (encode(&no_key), "API key"),
            (encode(&good("zk_aaaaaaaaaa_bbbb")), "API key"),
            (encode(&good(&video_only)), "channel"),
        ] {
            let (status, text) = post_form(&s, "/open311/v2/requests.json", body).await;
            assert_open311_error(status, &text, 403, why);
        }
        let (status, text) = post_form(&s, "/open311/v2/requests.xml", encode(&no_key)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(
            text.starts_with("<?xml") && text.contains("<errors><error><code>403</code>"),
            "{text}"
        );
        // Bad forms: 400 naming the field, nothing written.
        let actions_before = s.store.actions(0, i64::MAX).await.unwrap().len();
        let far = good(&key)
            .into_iter()
            .map(|(k, v)| match k.as_str() {
                "lat" => (k, "39.9".into()),
                "long" => (k, "116.4".into()),
                _ => (k, v),
            })
            .collect::<Vec<_>>();
        let with = |k: &str, v: &str| {
            let mut p = good(&key);
            p.retain(|(n, _)| n != k);
            p.push((k.to_string(), v.to_string()));
            encode(&p)
        };
        let mut no_lat = good(&key);
        no_lat.retain(|(k, _)| k != "lat");
        for (body, field) in [
            (encode(&no_lat), "lat"),
            (with("service_code", "9999"), "service_code"),
            (with("colour", "red"), "colour"),
            (
                with("media_url", "http://169.254.169.254/latest"),
                "media_url",
            ),
            (with("attribute[parties]", "两户"), "attribute[parties]"),
            (with("description", &"长".repeat(2001)), "description"),
            (with("phone", "12"), "phone"),
            (encode(&far), "outside"),
            (format!("{}&api_key=x", encode(&good(&key))), "api_key"),
        ] {
            let (status, text) = post_form(&s, "/open311/v2/requests.json", body).await;
            assert_open311_error(status, &text, 400, field);
        }
        let (status, text) = post_form(
            &s,
            "/open311/v2/requests.json?api_key=other",
            encode(&good(&key)),
        )
        .await;
        assert_open311_error(status, &text, 400, "api_key");
        let r = s
            .http
            .post(format!("{}/open311/v2/requests.json", s.base))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (status, text) = post_form(&s, "/open311/v2/requests.json", "a=".repeat(40_000)).await;
        assert_open311_error(status, &text, 413, "bytes");
        assert_eq!(
            s.store.actions(0, i64::MAX).await.unwrap().len(),
            actions_before,
            "refusals write nothing"
        );

        // Filed: the id, a notice; the event is a hotline case at the district centre, the
        // caller's phone sealed, the record naming the key's public part and unit.
        let (status, text) = post_form(&s, "/open311/v2/requests.json", encode(&good(&key))).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let created: Value = serde_json::from_str(&text).unwrap();
        let rid = created[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(created[0]["token"], rid.as_str());
        assert!(
            created[0]["service_notice"]
                .as_str()
                .unwrap()
                .contains("小时"),
            "{created}"
        );
        let district = s.token("district-operator").await;
        let (_, list) = s
            .get(&format!("/api/v1/events?q={rid}"), Some(&district))
            .await;
        let event = &list["items"][0];
        assert_eq!(
            (
                event["channel"].as_str(),
                event["owner"].as_str(),
                event["reporter_phone"].as_str()
            ),
            (Some("hotline"), Some("C500114"), Some("138****8000")),
            "{list}"
        );
        assert!(
            event["description"]
                .as_str()
                .unwrap()
                .ends_with("地址：正街 3 号"),
            "{event}"
        );
        let id = event["id"].as_i64().unwrap();
        let report = s
            .store
            .actions(0, i64::MAX)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.subject == format!("event:{id}") && a.action == "report")
            .unwrap();
        assert!(
            report.actor.starts_with("zk_") && key.starts_with(&report.actor),
            "{}",
            report.actor
        );
        assert_eq!(report.unit.as_deref(), Some("D01"));
        // The event's page names the system that filed it.
        let (_, detail) = s
            .get(&format!("/api/v1/events/{id}"), Some(&district))
            .await;
        let first = &detail["timeline"][0];
        assert_eq!(
            (first["action"].as_str(), first["system"].as_str()),
            (Some("report"), Some("D01 的诉求系统")),
            "{first}"
        );

        // Followed: JSON and XML; only by its unit's keys, and only with a key that reads.
        let one = format!("/open311/v2/requests/{rid}.json?api_key={key}");
        let (status, _, body) = get_text(&s, &one).await;
        let r: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (
                status,
                r[0]["status"].as_str(),
                r[0]["service_code"].as_str()
            ),
            (StatusCode::OK, Some("open"), Some("0602")),
            "{body}"
        );
        assert!(
            r[0]["requested_datetime"]
                .as_str()
                .unwrap()
                .ends_with("+08:00"),
            "{body}"
        );
        assert!(
            !body.contains("13800138000") && !body.contains("8000\""),
            "no caller's phone in a system's view"
        );
        let (_, ct, xml) =
            get_text(&s, &format!("/open311/v2/requests/{rid}.xml?api_key={key}")).await;
        assert!(
            ct.starts_with("text/xml")
                && xml.contains("<service_requests><request>")
                && xml.contains("<status>open</status>"),
            "{xml}"
        );
        let (status, _, body) = get_text(
            &s,
            &format!("/open311/v2/requests/{rid}.json?api_key={other_unit}"),
        )
        .await;
        assert_open311_error(status, &body, 404, "request");
        let (status, _, body) = get_text(
            &s,
            &format!("/open311/v2/requests/{rid}.json?api_key={write_only}"),
        )
        .await;
        assert_open311_error(status, &body, 403, "own_events");
        let (status, _, body) = get_text(&s, &format!("/open311/v2/requests/{rid}.json")).await;
        assert_open311_error(status, &body, 403, "API key");
        let (status, _, body) =
            get_text(&s, &format!("/open311/v2/tokens/{rid}.json?api_key={key}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"],
            rid.as_str()
        );
        let (_, _, body) = get_text(
            &s,
            &format!("/open311/v2/requests.json?api_key={other_unit}"),
        )
        .await;
        assert_eq!(body, "[]", "another unit's key lists nothing of ours");

        // Closed through the loop: closed, with the steps in FixMyStreet's words, in order.
        super::desk::close(&s, id).await;
        let (_, _, body) = get_text(&s, &one).await;
        let r: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (r[0]["status"].as_str(), r[0]["expected_datetime"].clone()),
            (Some("closed"), Value::Null),
            "{body}"
        );
        assert!(
            r[0]["status_notes"].as_str().unwrap().starts_with("已结案"),
            "{body}"
        );
        let (_, _, body) = get_text(
            &s,
            &format!("/open311/v2/servicerequestupdates.json?api_key={key}"),
        )
        .await;
        let updates: Vec<String> = serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["status"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            updates,
            [
                "INVESTIGATING",
                "INVESTIGATING",
                "ACTION_SCHEDULED",
                "IN_PROGRESS",
                "IN_PROGRESS",
                "IN_PROGRESS",
                "FIXED"
            ],
            "{body}"
        );
        for (query, n) in [
            ("status=closed", 1),
            ("status=open", 0),
            ("service_code=0101", 0),
            ("service_code=0602,0101", 1),
        ] {
            let (_, _, body) = get_text(
                &s,
                &format!("/open311/v2/requests.json?api_key={key}&{query}"),
            )
            .await;
            assert_eq!(
                serde_json::from_str::<Value>(&body)
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .len(),
                n,
                "{query}: {body}"
            );
        }
        for (query, field) in [
            (
                "start_date=2026-12-02T00:00:00Z&end_date=2026-12-01T00:00:00Z",
                "start_date",
            ),
            (
                "start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z",
                "end_date",
            ),
            ("start_date=yesterday", "start_date"),
            ("status=pending", "status"),
        ] {
            let (status, _, body) = get_text(
                &s,
                &format!("/open311/v2/requests.json?api_key={key}&{query}"),
            )
            .await;
            assert_open311_error(status, &body, 400, field);
        }
        s
    })
    .await;
}

/// Runs the clients' script (off the runtime the server answers on); answers its printed JSON.
async fn clients(s: &Server, args: Vec<String>) -> Option<Value> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/open311/clients.py");
    let base = s.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(script)
            .arg(base)
            .args(args)
            .output()
    })
    .await
    .unwrap();
    match out {
        Ok(o) if o.status.success() => Some(serde_json::from_slice(&o.stdout).unwrap()),
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named") => {
            assert!(
                std::env::var("CI").is_err(),
                "pip install open311==1.1 georeport==0.3.1: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            eprintln!("the Open311 client libraries are not installed: pip install open311==1.1 georeport==0.3.1");
            None
        }
        other => panic!("the Open311 clients failed: {other:?}"),
    }
}

#[tokio::test]
async fn open311_client_libraries_file_and_follow_a_request() {
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    small_city(&s).await;
    let key = issue(&s, "D01", json!(["hotline"]), json!(["own_events"])).await;
    let p = deep_point("500114001001001");
    let (lat, lon) = (p.y.to_string(), p.x.to_string());
    let run = |stage: String| {
        let args = vec![key.clone(), "0602".into(), lat.clone(), lon.clone(), stage];
        clients(&s, args)
    };
    let Some(services) = run("services".into()).await else {
        return;
    };
    assert!(services["services"].as_u64().unwrap() > 50, "{services}");
    let filed = run("file".into()).await.unwrap();
    let rid = filed["id"].as_str().unwrap().to_string();
    let open = run(format!("follow:{rid}")).await.unwrap();
    assert_eq!(
        (open["status"].as_str(), open["listed"].as_u64()),
        (Some("open"), Some(1)),
        "{open}"
    );
    let district = s.token("district-operator").await;
    let (_, list) = s
        .get(&format!("/api/v1/events?q={rid}"), Some(&district))
        .await;
    super::desk::close(&s, list["items"][0]["id"].as_i64().unwrap()).await;
    let closed = run(format!("follow:{rid}")).await.unwrap();
    assert_eq!(closed["status"].as_str(), Some("closed"), "{closed}");
    assert!(
        closed["notes"].as_str().unwrap().starts_with("已结案"),
        "{closed}"
    );
}
