use super::*;

const JPEG: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");
const PNG: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.png");
const WEBP: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.webp");

async fn fetch(s: &Server, path: &str, token: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = s.http.get(format!("{}{path}", s.base)).bearer_auth(token);
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn photos_are_checked_by_content_stored_once_and_seen_with_their_event() {
    on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let village = s.token("village-500114001001").await;
            let other_town = s.token("town-500114002").await;
            let leader = s.token("leader").await;
            let up = |token: String, bytes: Vec<u8>, ct: &'static str| {
                let s = &s;
                async move { s.post("/api/v1/attachments", Some(&token), Some(ct), bytes).await }
            };

            // Real photos of the three kinds; the declared type does not matter, the bytes do.
            let (st, jpeg) = up(worker.clone(), JPEG.to_vec(), "application/octet-stream").await;
            assert_eq!(st, StatusCode::CREATED, "{jpeg}");
            assert_eq!(jpeg["media_type"], "image/jpeg");
            assert_eq!((jpeg["width"].as_i64(), jpeg["height"].as_i64()), (Some(64), Some(48)));
            let id = jpeg["id"].as_str().unwrap().to_string();
            assert_eq!(id.len(), 64);
            // Stored once; another's upload of the same bytes is answered as a first upload
            // (it tells nothing of who sent them before), the uploader's own again as such.
            let (st, again) = up(village.clone(), JPEG.to_vec(), "image/jpeg").await;
            assert_eq!((st, &again["id"]), (StatusCode::CREATED, &jpeg["id"]), "stored once");
            let (st, again) = up(worker.clone(), JPEG.to_vec(), "image/jpeg").await;
            assert_eq!((st, &again["id"]), (StatusCode::OK, &jpeg["id"]));
            let (st, png) = up(worker.clone(), PNG.to_vec(), "image/jpeg").await;
            assert_eq!((st, png["media_type"].as_str()), (StatusCode::CREATED, Some("image/png")));
            let (st, webp) = up(worker.clone(), WEBP.to_vec(), "image/webp").await;
            assert_eq!((st, webp["media_type"].as_str()), (StatusCode::CREATED, Some("image/webp")));

            // Fakes, broken and oversized files: a clear 4xx, nothing stored.
            let (st, b) = up(worker.clone(), b"<html><script>alert(1)</script>".to_vec(), "image/jpeg").await;
            assert_error(st, &b, 415, "unsupported_media_type");
            let (st, b) = up(worker.clone(), PNG[..PNG.len() - 20].to_vec(), "image/png").await;
            assert_error(st, &b, 422, "invalid_image");
            let mut huge = JPEG.to_vec();
            huge.resize(10 * 1024 * 1024 + 1, 0);
            let (st, b) = up(worker.clone(), huge, "image/jpeg").await;
            assert_error(st, &b, 413, "payload_too_large");
            let (st, b) = up(leader.clone(), JPEG.to_vec(), "image/jpeg").await;
            assert_error(st, &b, 403, "forbidden");

            // Until an event shows it, only the uploader reads it.
            let path = format!("/api/v1/attachments/{id}");
            assert_eq!(fetch(&s, &path, &worker, None).await.status(), StatusCode::OK);
            let png_path = format!("/api/v1/attachments/{}", png["id"].as_str().unwrap());
            assert_eq!(fetch(&s, &png_path, &village, None).await.status(), StatusCode::NOT_FOUND);

            // A report with photos; unknown or malformed ids are refused and write nothing.
            let p = deep_point("500114001001001");
            let report = |photos: Value| {
                json!({"channel": "grid_patrol", "category": "0602", "description": "路灯倒伏", "location": {"lon": p.x, "lat": p.y}, "attachments": photos}).to_string()
            };
            let ct = Some("application/json");
            let unknown = "0".repeat(64);
            let (st, b) = s.post("/api/v1/events", Some(&worker), ct, report(json!([id, unknown]))).await;
            assert_error(st, &b, 404, "not_found");
            assert_eq!(b["details"]["field"], "attachments[1]");
            let (st, b) = s.post("/api/v1/events", Some(&worker), ct, report(json!(["../../etc/passwd"]))).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, b) = s.post("/api/v1/events", Some(&worker), ct, report(json!(vec![id.clone(); 10]))).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, list) = s.get("/api/v1/events?page_size=1", Some(&village)).await;
            assert_eq!(list["total"], 0, "refused reports wrote nothing");
            let (st, created) = s.post("/api/v1/events", Some(&worker), ct, report(json!([id, png["id"]]))).await;
            assert_eq!(st, StatusCode::CREATED, "{created}");
            let event = created["id"].as_i64().unwrap();

            // Now whoever sees the event sees its photos, with the right type and caching.
            let resp = fetch(&s, &png_path, &village, None).await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(resp.headers()["content-type"], "image/png");
            assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
            let etag = resp.headers()["etag"].to_str().unwrap().to_string();
            assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
            assert_eq!(fetch(&s, &png_path, &village, Some(&etag)).await.status(), StatusCode::NOT_MODIFIED);
            assert_eq!(fetch(&s, &png_path, &other_town, None).await.status(), StatusCode::NOT_FOUND, "out of scope");
            assert_eq!(fetch(&s, "/api/v1/attachments/nothex", &village, None).await.status(), StatusCode::NOT_FOUND);

            // Evidence with an action is kept on its step of the timeline; only one's own
            // uploads may be attached (the worker's photo is not the station's to attach).
            let (st, b) = s.post(&format!("/api/v1/events/{event}/actions"), Some(&village), ct,
                json!({"action": "register", "attachments": [webp["id"]]}).to_string()).await;
            assert_error(st, &b, 404, "not_found");
            let (st, _) = up(village.clone(), WEBP.to_vec(), "image/webp").await;
            assert_eq!(st, StatusCode::CREATED);
            let (st, d) = s.post(&format!("/api/v1/events/{event}/actions"), Some(&village), ct,
                json!({"action": "register", "attachments": [webp["id"]]}).to_string()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let timeline = d["timeline"].as_array().unwrap();
            assert_eq!(timeline[0]["attachments"], json!([id, png["id"]]));
            assert_eq!(timeline[1]["attachments"], json!([webp["id"]]));
            let (st, b) = s.post(&format!("/api/v1/events/{event}/actions"), Some(&village), ct,
                json!({"action": "dispatch", "attachments": [unknown]}).to_string()).await;
            assert_error(st, &b, 404, "not_found");
            let (_, d) = s.get(&format!("/api/v1/events/{event}"), Some(&village)).await;
            assert_eq!(d["status"], "registered", "the refused action changed nothing");
            s
        })
        .await;
}
