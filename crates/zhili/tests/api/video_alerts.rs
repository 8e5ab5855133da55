//! Video alerts (雪亮工程): a camera's alert posted with the platform's key becomes an event at
//! the camera with its snapshot; a repeat is answered with the open event.

use super::*;
use base64::Engine;

const JPEG: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");

async fn post_alert(s: &Server, key: &str, body: Value) -> (StatusCode, Value) {
    s.post(
        "/api/v1/video-alerts",
        Some(key),
        Some("application/json"),
        body.to_string(),
    )
    .await
}

#[tokio::test]
async fn a_cameras_alert_becomes_an_event_with_its_snapshot_once() {
    on_every_backend(|s| async move {
        let worker = s.token("grid-500114001001001").await;
        let p = deep_point("500114001001001");
        let (st, cam) = post_json(&s, "/api/v1/things", &worker,
            json!({"kind": "camera", "code": "CAM-FIRE-1", "name": "正街消防通道", "lon": p.x, "lat": p.y, "coverage": "community"})).await;
        assert_eq!(st, StatusCode::CREATED, "{cam}");
        let admin = s.token("admin").await;
        let issue = |channels: Value, area: Value| {
            let (s, admin) = (&s, admin.clone());
            async move {
                let body = json!({"unit_id": "D01", "name": "雪亮工程视频平台", "channels": channels, "reads": [],
                    "area_code": area, "expires_at": zhili_domain::time::rfc3339(zhili::now_ms() + 86_400_000)});
                let (_, issued) = post_json(s, "/api/v1/api-keys", &admin, body).await;
                issued["key"].as_str().unwrap().to_string()
            }
        };
        let key = issue(json!(["video_alert"]), Value::Null).await;
        let hotline = issue(json!(["hotline"]), Value::Null).await;
        let elsewhere = issue(json!(["video_alert"]), json!("500114002")).await;
        let snapshot = base64::engine::general_purpose::STANDARD.encode(JPEG);
        let alert = json!({"camera_code": "CAM-FIRE-1", "alert_type": "fire_lane_blocked", "snapshot": snapshot, "description": "通道内停放车辆 2 辆"});

        // The types are listed for the vendor; a staff token is no key.
        let (st, types) = s.get("/api/v1/video-alerts/types", Some(&key)).await;
        assert_eq!(st, StatusCode::OK);
        assert!(types.as_array().unwrap().iter().any(|t| t["code"] == "fire_lane_blocked" && t["category"] == "0401"), "{types}");
        let (st, b) = post_alert(&s, &worker, alert.clone()).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, b) = s.post("/api/v1/video-alerts", None, Some("application/json"), alert.to_string()).await;
        assert_error(st, &b, 401, "unauthenticated");
        let (st, b) = post_alert(&s, &hotline, alert.clone()).await;
        assert_error(st, &b, 403, "forbidden");
        // A camera outside the key's area is not found, as one that does not exist.
        let (st, b) = post_alert(&s, &elsewhere, alert.clone()).await;
        assert_error(st, &b, 404, "not_found");
        assert_eq!(b["details"]["field"], "camera_code");
        let with = |field: &str, v: Value| {
            let mut a = alert.clone();
            a[field] = v;
            a
        };
        let not_an_image = base64::engine::general_purpose::STANDARD.encode(b"<svg onload=alert(1)></svg>");
        let future = zhili_domain::time::rfc3339(zhili::now_ms() + 3_600_000);
        let old = zhili_domain::time::rfc3339(zhili::now_ms() - 8 * 86_400_000);
        let before = s.store.actions(0, i64::MAX).await.unwrap().len();
        for (body, status, field) in [
            (with("alert_type", json!("ufo")), 422, "alert_type"),
            (with("camera_code", json!("CAM-NONE")), 404, "camera_code"),
            (with("snapshot", json!("%%%")), 422, "snapshot"),
            (with("snapshot", json!(not_an_image)), 415, ""),
            (with("occurred_at", json!(future)), 422, "occurred_at"),
            (with("occurred_at", json!(old)), 422, "occurred_at"),
            (with("occurred_at", json!("yesterday")), 422, "occurred_at"),
        ] {
            let (st, b) = post_alert(&s, &key, body).await;
            assert_eq!(st.as_u16(), status, "{field}: {b}");
            if !field.is_empty() {
                assert_eq!(b["details"]["field"], field, "{b}");
            }
        }
        assert_eq!(s.store.actions(0, i64::MAX).await.unwrap().len(), before, "refusals write nothing");

        // Raised: a video-alert event at the camera, of the type's category, the snapshot its
        // photo, the camera linked; the record names the platform's key.
        let (st, raised) = post_alert(&s, &key, alert.clone()).await;
        assert_eq!((st, raised["repeat"].as_bool()), (StatusCode::CREATED, Some(false)), "{raised}");
        let id = raised["event_id"].as_i64().unwrap();
        let district = s.token("district-operator").await;
        let (_, e) = s.get(&format!("/api/v1/events/{id}"), Some(&district)).await;
        assert_eq!((e["channel"].as_str(), e["category"].as_str(), e["grid_code"].as_str()),
                   (Some("video_alert"), Some("0401"), Some("500114001001001")), "{e}");
        assert!(e["description"].as_str().unwrap().contains("消防通道占用") && e["description"].as_str().unwrap().contains("CAM-FIRE-1"), "{e}");
        let photos = e["timeline"][0]["attachments"].as_array().unwrap();
        assert_eq!(photos.len(), 1, "{e}");
        let photo = fetch_photo(&s, photos[0].as_str().unwrap(), &district).await;
        assert_eq!(photo, JPEG, "the snapshot as the camera took it");
        assert!(e["timeline"][0]["actor"].as_str().unwrap().starts_with("zk_"), "{e}");
        // The camera repeats itself: the same event, nothing written.
        let count = s.store.actions(0, i64::MAX).await.unwrap().len();
        let (st, again) = post_alert(&s, &key, alert.clone()).await;
        assert_eq!((st, again["event_id"].as_i64(), again["repeat"].as_bool()), (StatusCode::OK, Some(id), Some(true)), "{again}");
        assert_eq!(s.store.actions(0, i64::MAX).await.unwrap().len(), count);
        // Another kind from the same camera is another event.
        let (st, other) = post_alert(&s, &key, with("alert_type", json!("fire_smoke"))).await;
        assert_eq!(st, StatusCode::CREATED, "{other}");
        assert_ne!(other["event_id"].as_i64(), Some(id));
        s
    })
    .await;
}

async fn fetch_photo(s: &Server, id: &str, token: &str) -> Vec<u8> {
    let r = s
        .http
        .get(format!("{}/api/v1/attachments/{id}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.bytes().await.unwrap().to_vec()
}
