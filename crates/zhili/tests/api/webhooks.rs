//! Outbound webhooks: a unit's endpoint gets signed deliveries of its events, verified by the
//! Standard Webhooks authors' own library; retried after a failure, replayed from the log,
//! signed with both secrets while a rotation overlaps, disabled by a 410, and refused for an
//! address inside the network.

use super::*;
use std::sync::Mutex;

type Seen = Arc<Mutex<Vec<(Vec<(String, String)>, String)>>>;

/// A receiver on a random local port answering the statuses in `script` in turn (then 204),
/// keeping every request's headers and body.
async fn receiver(script: Vec<u16>) -> (String, Seen) {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let (s2, sc2) = (seen.clone(), script.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (seen, script) = (s2.clone(), sc2.clone());
            async move {
                let hs = headers
                    .iter()
                    .filter(|(k, _)| k.as_str().starts_with("webhook-"))
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
                    .collect();
                seen.lock().unwrap().push((hs, body));
                let status = script.lock().unwrap().next().unwrap_or(204);
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

async fn wait_for(seen: &Seen, n: usize) {
    for _ in 0..300 {
        if seen.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{} deliveries, not {n}", seen.lock().unwrap().len());
}

/// Each delivery verified by PyPI's standardwebhooks with `secret`; without it (outside CI),
/// by the domain's own signer.
async fn verified(secret: &str, seen: &[(Vec<(String, String)>, String)]) -> Vec<String> {
    let input: Vec<Value> = seen
        .iter()
        .map(|(h, b)| json!({"secret": secret, "headers": h.iter().cloned().collect::<std::collections::HashMap<_, _>>(), "body": b}))
        .collect();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webhooks/verify.py");
    let stdin = serde_json::to_vec(&input).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        child.stdin.take().unwrap().write_all(&stdin)?;
        child.wait_with_output()
    })
    .await
    .unwrap();
    match out {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap(),
        other => {
            assert!(
                std::env::var("CI").is_err(),
                "pip install standardwebhooks==1.3.0: {other:?}"
            );
            eprintln!(
                "standardwebhooks is not installed: the domain's signer checks the deliveries"
            );
            let key = zhili_domain::webhook::secret_bytes(secret).unwrap();
            seen.iter()
                .map(|(h, b)| {
                    let get = |k: &str| h.iter().find(|(n, _)| n == k).unwrap().1.clone();
                    let ts: i64 = get("webhook-timestamp").parse().unwrap();
                    let mine =
                        zhili_domain::webhook::sign(&key, &get("webhook-id"), ts, b.as_bytes());
                    if get("webhook-signature").split(' ').any(|s| s == mine) {
                        serde_json::from_str::<Value>(b).unwrap()["type"]
                            .as_str()
                            .unwrap()
                            .to_string()
                    } else {
                        "failed".into()
                    }
                })
                .collect()
        }
    }
}

async fn report(s: &Server, text: &str) -> i64 {
    let worker = s.token("grid-500114001001001").await;
    let p = deep_point("500114001001001");
    let (status, e) = post_json(
        s,
        "/api/v1/events",
        &worker,
        json!({"channel": "grid_patrol", "category": "0602",
        "description": text, "location": {"lon": p.x, "lat": p.y}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    e["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_units_endpoint_gets_signed_deliveries_retried_replayed_and_rotated() {
    // The receivers listen on loopback: the operator allows that range here.
    std::env::set_var("ZHILI_WEBHOOK_ALLOW", "127.0.0.0/8");
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let (url, seen) = receiver(vec![500]).await;
        let subscribe = |url: String, types: Value| {
            let (s, admin) = (&s, admin.clone());
            async move {
                post_json(
                    s,
                    "/api/v1/webhooks",
                    &admin,
                    json!({"unit_id": "S500114001001", "url": url, "event_types": types}),
                )
                .await
            }
        };
        // Refusals: the field at fault; only administrators.
        for (u, t, field) in [
            ("ftp://x/hook", json!(["event.reported"]), "url"),
            ("https://user:pw@x/hook", json!(["event.reported"]), "url"),
            (
                "https://x/hook",
                json!(["event.everything"]),
                "event_types[0]",
            ),
            ("https://x/hook", json!([]), "event_types"),
        ] {
            let (status, b) = subscribe(u.into(), t).await;
            assert_error(status, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], field, "{b}");
        }
        let village = s.token("village-500114001001").await;
        let (status, b) = post_json(
            &s,
            "/api/v1/webhooks",
            &village,
            json!({"unit_id": "S500114001001", "url": url, "event_types": ["event.reported"]}),
        )
        .await;
        assert_error(status, &b, 403, "forbidden");

        let (status, sub) =
            subscribe(url.clone(), json!(["event.reported", "event.dispatched"])).await;
        assert_eq!(status, StatusCode::CREATED, "{sub}");
        let secret = sub["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("whsec_"));
        let id = sub["webhook"]["id"].as_i64().unwrap();
        let (_, list) = s.get("/api/v1/webhooks", Some(&admin)).await;
        assert!(
            !list.to_string().contains(&secret[6..]),
            "the list never holds the secret"
        );
        // An address inside the network is refused when it is called.
        let (_, metadata) = subscribe(
            "http://169.254.169.254/latest".into(),
            json!(["event.reported"]),
        )
        .await;
        let metadata = metadata["webhook"]["id"].as_i64().unwrap();

        // A report: queued with it, refused once (500), delivered on the retry five seconds on.
        let event = report(&s, "路灯不亮（推送测试）").await;
        wait_for(&seen, 2).await;
        let got = seen.lock().unwrap().clone();
        assert_eq!(
            got[0].0.iter().find(|(k, _)| k == "webhook-id"),
            got[1].0.iter().find(|(k, _)| k == "webhook-id"),
            "the same message id on the retry"
        );
        assert_eq!(got[0].1, got[1].1, "the same bytes");
        let body: Value = serde_json::from_str(&got[1].1).unwrap();
        assert_eq!(
            (body["type"].as_str(), body["data"]["event_id"].as_i64()),
            (Some("event.reported"), Some(event))
        );
        assert!(
            !got[1].1.contains("推送测试"),
            "no reporter's words in a delivery"
        );
        assert_eq!(
            verified(&secret, &got).await,
            ["event.reported", "event.reported"]
        );
        let (_, log) = s
            .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin))
            .await;
        for _ in 0..50 {
            let (_, l) = s
                .get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&admin))
                .await;
            if l[0]["state"] == "delivered" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (_, log2) = s
            .get(
                &format!("/api/v1/webhooks/{id}/deliveries?state=delivered"),
                Some(&admin),
            )
            .await;
        assert_eq!(
            (
                log2[0]["attempts"].as_i64(),
                log2[0]["last_status"].as_i64()
            ),
            (Some(2), Some(204)),
            "{log} {log2}"
        );
        let (_, refused) = s
            .get(
                &format!("/api/v1/webhooks/{metadata}/deliveries"),
                Some(&admin),
            )
            .await;
        for _ in 0..50 {
            let (_, r) = s
                .get(
                    &format!("/api/v1/webhooks/{metadata}/deliveries"),
                    Some(&admin),
                )
                .await;
            if r[0]["attempts"].as_i64() >= Some(1) {
                assert!(
                    r[0]["last_error"]
                        .as_str()
                        .unwrap()
                        .contains("inside the network"),
                    "{r}"
                );
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = refused;

        // Replayed from the log: the same message again.
        let delivery = log2[0]["id"].as_i64().unwrap();
        let (status, _) = post_json(
            &s,
            &format!("/api/v1/webhook-deliveries/{delivery}/replay"),
            &admin,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        wait_for(&seen, 3).await;
        assert_eq!(seen.lock().unwrap()[2].1, got[1].1);

        // Rotated: both secrets verify while the overlap runs.
        let (status, rotated) = post_json(
            &s,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            &admin,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{rotated}");
        let new_secret = rotated["secret"].as_str().unwrap().to_string();
        let station = s.token("village-500114001001").await;
        let (status, _) = post_json(
            &s,
            &format!("/api/v1/events/{event}/actions"),
            &station,
            json!({"action": "register"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = post_json(
            &s,
            &format!("/api/v1/events/{event}/actions"),
            &station,
            json!({"action": "dispatch"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        wait_for(&seen, 4).await;
        let last = seen.lock().unwrap()[3].clone();
        assert_eq!(
            verified(&new_secret, std::slice::from_ref(&last)).await,
            ["event.dispatched"]
        );
        assert_eq!(
            verified(&secret, std::slice::from_ref(&last)).await,
            ["event.dispatched"]
        );

        // A 410: the subscription is disabled, the delivery dropped.
        let (gone_url, gone_seen) = receiver(vec![410]).await;
        let (_, gone) = subscribe(gone_url, json!(["event.reported"])).await;
        let gone = gone["webhook"]["id"].as_i64().unwrap();
        report(&s, "第二件").await;
        wait_for(&gone_seen, 1).await;
        for _ in 0..50 {
            let (_, l) = s.get("/api/v1/webhooks", Some(&admin)).await;
            if l.as_array()
                .unwrap()
                .iter()
                .any(|w| w["id"] == gone && w["disabled_at"].is_string())
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (_, l) = s.get("/api/v1/webhooks", Some(&admin)).await;
        let w = l
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["id"] == gone)
            .unwrap();
        assert!(
            w["disabled_reason"].as_str().unwrap().contains("410"),
            "{w}"
        );
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        for name in [
            "webhook.subscribe",
            "webhook.replay",
            "webhook.rotate_secret",
            "webhook.disable",
        ] {
            assert!(actions.iter().any(|a| a.action == name), "{name} recorded");
        }
        s
    })
    .await;
}

#[tokio::test]
async fn overdue_cases_and_raised_alerts_are_delivered_and_the_log_pages() {
    std::env::set_var("ZHILI_WEBHOOK_ALLOW", "127.0.0.0/8");
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let commander = s.token("district").await;
        let (url, seen) = receiver(vec![]).await;
        let (status, sub) = post_json(
            &s,
            "/api/v1/webhooks",
            &admin,
            json!({"unit_id": "S500114001001", "url": url, "event_types": ["event.overdue", "alert.raised"]}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{sub}");
        let secret = sub["secret"].as_str().unwrap().to_string();
        let id = sub["webhook"]["id"].as_i64().unwrap();
        // Five disputes in one village in a day: the station hears of the alert on its village.
        let worker = s.token("grid-500114001001001").await;
        let p = deep_point("500114001001001");
        let mut reported = Vec::new();
        for n in 0..5 {
            let (status, e) = post_json(&s, "/api/v1/events", &worker,
                json!({"channel": "grid_patrol", "category": "0102", "description": format!("邻里争吵第{n}起"),
                       "location": {"lon": p.x, "lat": p.y}})).await;
            assert_eq!(status, StatusCode::CREATED, "{e}");
            reported.push(e["id"].as_i64().unwrap());
        }
        let _ = (s.store.sweep_overdue(zhili::now_ms()).await).unwrap();
        let (status, done) = s
            .post("/api/v1/risk/evaluate", Some(&commander), None, String::new())
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        wait_for(&seen, 1).await;
        // A month on, the five cases' steps are overdue: one sweep tells of each once, due
        // then; here they are replayed from the log to be sent now.
        let later = zhili::now_ms() + 30 * 86_400_000;
        let told = s.store.sweep_overdue(later).await.unwrap();
        assert_eq!(told, 5, "the five open cases");
        assert_eq!(s.store.sweep_overdue(later).await.unwrap(), 0, "never twice");
        let (_, queued) = s
            .get(&format!("/api/v1/webhooks/{id}/deliveries?state=pending"), Some(&admin))
            .await;
        let queued = queued.as_array().unwrap().clone();
        assert_eq!(queued.len(), 5, "{queued:?}");
        for d in &queued {
            assert_eq!(d["event_type"], "event.overdue");
            let (status, r) = post_json(&s, &format!("/api/v1/webhook-deliveries/{}/replay", d["id"]), &admin, json!({})).await;
            assert_eq!(status, StatusCode::OK, "{r}");
        }
        wait_for(&seen, 6).await;
        let got = seen.lock().unwrap().clone();
        let types = verified(&secret, &got).await;
        assert_eq!(types.iter().filter(|t| *t == "alert.raised").count(), 1, "{types:?}");
        assert_eq!(types.iter().filter(|t| *t == "event.overdue").count(), 5, "{types:?}");
        let bodies: Vec<Value> = got.iter().map(|(_, b)| serde_json::from_str(b).unwrap()).collect();
        let alert = bodies.iter().find(|b| b["type"] == "alert.raised").unwrap();
        assert_eq!(alert["data"]["area_code"], "500114001001", "{alert}");
        assert_eq!(alert["data"]["indicator_code"], "DISPUTE_SPIKE", "{alert}");
        let mut overdue: Vec<i64> = bodies
            .iter()
            .filter(|b| b["type"] == "event.overdue")
            .map(|b| b["data"]["event_id"].as_i64().unwrap())
            .collect();
        overdue.sort();
        assert_eq!(overdue, reported);
        // The log a page at a time, newest first, each page before the last id read.
        for _ in 0..100 {
            let (_, all) = s
                .get(&format!("/api/v1/webhooks/{id}/deliveries?state=delivered&limit=200"), Some(&admin))
                .await;
            if all.as_array().unwrap().len() == 6 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (status, first) = s.get(&format!("/api/v1/webhooks/{id}/deliveries?limit=4"), Some(&admin)).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        let first = first.as_array().unwrap().clone();
        assert_eq!(first.len(), 4);
        let last = first[3]["id"].as_i64().unwrap();
        let (_, rest) = s
            .get(&format!("/api/v1/webhooks/{id}/deliveries?limit=4&before={last}"), Some(&admin))
            .await;
        let rest = rest.as_array().unwrap().clone();
        assert_eq!(rest.len(), 2);
        assert!(rest.iter().all(|d| d["id"].as_i64().unwrap() < last));
        assert!(first.windows(2).all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()), "newest first");
        let (status, e) = s.get(&format!("/api/v1/webhooks/{id}/deliveries?limit=201"), Some(&admin)).await;
        assert_error(status, &e, 422, "invalid_parameter");
        let (status, e) = s.get(&format!("/api/v1/webhooks/{id}/deliveries?limit=0"), Some(&admin)).await;
        assert_error(status, &e, 422, "invalid_parameter");
        s
    })
    .await;
}
