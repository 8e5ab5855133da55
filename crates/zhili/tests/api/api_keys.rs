use super::*;

fn in_days(d: i64) -> String {
    zhili_domain::time::rfc3339(zhili::now_ms() + d * 86_400_000)
}

async fn whoami(s: &Server, key: &str) -> (StatusCode, Value) {
    s.get("/api/v1/api-keys/whoami", Some(key)).await
}

#[tokio::test]
async fn an_administrator_issues_rotates_and_revokes_a_systems_key() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let commander = s.token("district").await;
        let body = |name: &str, channels: Value, reads: Value, area: Value, expires: String| {
            json!({"unit_id": "D01", "name": name, "channels": channels, "reads": reads, "area_code": area, "expires_at": expires})
        };
        let good = body("雪亮工程视频平台", json!(["video_alert"]), json!(["own_events"]), json!("500114001"), in_days(365));

        // Only administrators; scopes and lifetime checked with the field at fault.
        let (status, b) = post_json(&s, "/api/v1/api-keys", &commander, good.clone()).await;
        assert_error(status, &b, 403, "forbidden");
        for (wrong, field) in [
            (body("x", json!(["walk_in"]), json!([]), Value::Null, in_days(30)), "channels[0]"),
            (body("x", json!(["fax"]), json!([]), Value::Null, in_days(30)), "channels[0]"),
            (body("x", json!([]), json!(["everything"]), Value::Null, in_days(30)), "reads[0]"),
            (body("x", json!([]), json!([]), Value::Null, in_days(30)), "channels"),
            (body("x", json!(["hotline"]), json!([]), json!("510100"), in_days(30)), "area_code"),
            (body("x", json!(["hotline"]), json!([]), Value::Null, in_days(-1)), "expires_at"),
            (body("x", json!(["hotline"]), json!([]), Value::Null, in_days(2000)), "expires_at"),
            (body(" ", json!(["hotline"]), json!([]), Value::Null, in_days(30)), "name"),
        ] {
            let (status, b) = post_json(&s, "/api/v1/api-keys", &admin, wrong.clone()).await;
            assert_error(status, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], field, "{wrong} → {b}");
        }
        let mut nobody = good.clone();
        nobody["unit_id"] = json!("D99");
        let (status, b) = post_json(&s, "/api/v1/api-keys", &admin, nobody).await;
        assert_error(status, &b, 404, "not_found");

        // Issued once: the key is in this answer only; the list shows its public part.
        let (status, issued) = post_json(&s, "/api/v1/api-keys", &admin, good.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        let key = issued["key"].as_str().unwrap().to_string();
        assert!(key.starts_with("zk_") && key.starts_with(issued["api_key"]["public_part"].as_str().unwrap()), "{issued}");
        let (_, list) = s.get("/api/v1/api-keys", Some(&admin)).await;
        assert!(!list.to_string().contains(&key[14..]), "the list never holds the secret");
        assert_eq!(list[0]["channels"], json!(["video_alert"]));

        // The system checks its key; the use is noted. A staff token, a malformed, an unknown
        // key: all the same 403, and a key is no staff token either.
        let (status, me) = whoami(&s, &key).await;
        assert_eq!((status, me["unit_id"].as_str(), me["area_code"].as_str()), (StatusCode::OK, Some("D01"), Some("500114001")), "{me}");
        assert!(!me["unit_name"].as_str().unwrap().starts_with("D0"), "a name, not a code: {me}");
        let (_, list) = s.get("/api/v1/api-keys", Some(&admin)).await;
        assert!(list[0]["last_used_at"].is_string(), "{list}");
        let unknown = format!("{}{}", &key[..key.len() - 1], if key.ends_with('a') { 'b' } else { 'a' });
        for wrong in [admin.as_str(), "zk_", "zk_abc_def", unknown.as_str()] {
            let (status, b) = whoami(&s, wrong).await;
            assert_error(status, &b, 403, "forbidden");
        }
        let (status, b) = s.get("/api/v1/api-keys/whoami", None).await;
        assert_error(status, &b, 401, "unauthenticated");
        let (status, _) = s.get("/api/v1/events", Some(&key)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Rotated with a day's overlap: both work, the successor with the same scopes.
        let id = issued["api_key"]["id"].as_i64().unwrap();
        let (status, b) = post_json(&s, &format!("/api/v1/api-keys/{id}/rotate"), &admin, json!({"overlap_hours": 800})).await;
        assert_error(status, &b, 422, "invalid_parameter");
        let (status, next) = post_json(&s, &format!("/api/v1/api-keys/{id}/rotate"), &admin, json!({"overlap_hours": 24})).await;
        assert_eq!(status, StatusCode::CREATED, "{next}");
        let new_key = next["key"].as_str().unwrap().to_string();
        assert_ne!(new_key, key);
        let n = &next["api_key"];
        assert_eq!((n["channels"].clone(), n["reads"].clone(), n["area_code"].clone(), n["rotated_from"].as_i64()),
                   (json!(["video_alert"]), json!(["own_events"]), json!("500114001"), Some(id)), "{next}");
        assert_eq!(whoami(&s, &key).await.0, StatusCode::OK, "the old key works through the overlap");
        assert_eq!(whoami(&s, &new_key).await.0, StatusCode::OK);
        let (_, old) = s.get("/api/v1/api-keys", Some(&admin)).await;
        let old = old.as_array().unwrap().iter().find(|k| k["id"] == id).unwrap().clone();
        let ends = zhili_domain::time::parse_rfc3339(old["expires_at"].as_str().unwrap()).unwrap();
        assert!(ends <= zhili::now_ms() + 86_400_000, "the old key ends with the overlap: {old}");

        // Revoked: refused at once; twice is a conflict; a revoked key is not rotated.
        let (status, r) = post_json(&s, &format!("/api/v1/api-keys/{id}/revoke"), &admin, json!({})).await;
        assert_eq!((status, r["working"].as_bool()), (StatusCode::OK, Some(false)), "{r}");
        let (status, b) = whoami(&s, &key).await;
        assert_error(status, &b, 403, "forbidden");
        let (status, b) = post_json(&s, &format!("/api/v1/api-keys/{id}/revoke"), &admin, json!({})).await;
        assert_error(status, &b, 409, "conflict");
        let (status, b) = post_json(&s, &format!("/api/v1/api-keys/{id}/rotate"), &admin, json!({"overlap_hours": 1})).await;
        assert_error(status, &b, 409, "conflict");
        assert_eq!(whoami(&s, &new_key).await.0, StatusCode::OK, "the successor lives on");

        // Every issue, rotation and revocation is in the record, by the key's public part.
        let verbs: Vec<String> = s.store.actions(0, i64::MAX).await.unwrap().into_iter()
            .filter(|a| a.action.starts_with("apikey.")).map(|a| a.action).collect();
        assert_eq!(verbs, ["apikey.create", "apikey.rotate", "apikey.create", "apikey.revoke"]);
        s
    })
    .await;
}
