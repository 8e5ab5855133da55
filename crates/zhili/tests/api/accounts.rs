use super::*;

#[tokio::test]
async fn administrators_list_add_and_reset_accounts() {
    on_every_backend(|s| async move {
            let admin = s.token("admin").await;
            let (st, page) = s.get("/api/v1/users?q=grid-500114001001&limit=5", Some(&admin)).await;
            assert_eq!(st, StatusCode::OK, "{page}");
            assert!(page["total"].as_i64().unwrap() >= 5);
            assert_eq!(page["items"].as_array().unwrap().len(), 5);
            assert_eq!(page["items"][0]["role"], "grid_worker");
            assert!(page["items"][0].get("password_hash").is_none());
            let (_, commanders) = s.get("/api/v1/users?role=district_commander", Some(&admin)).await;
            assert!(commanders["items"].as_array().unwrap().iter().all(|u| u["role"] == "district_commander"));

            let new = json!({"username": "grid-new-1", "display_name": "新网格员", "role": "grid_worker",
                "region_code": "500114001001001", "unit_id": null, "department": null, "password": "a long secret"});
            let (st, made) = s.post("/api/v1/users", Some(&admin), Some("application/json"), new.to_string()).await;
            assert_eq!(st, StatusCode::CREATED, "{made}");
            assert_eq!(made["role_label"], "网格员");
            let (st, b) = s.post("/api/v1/users", Some(&admin), Some("application/json"), new.to_string()).await;
            assert_error(st, &b, 409, "conflict");
            let fresh = s.token_with("grid-new-1", "a long secret").await;
            let (st, _) = s.get("/api/v1/auth/me", Some(&fresh)).await;
            assert_eq!(st, StatusCode::OK);

            // Every bad field is named; nothing is written.
            // Something named that is not there (or not in the caller's area) is not found.
            for (field, value, status) in [
                ("role", json!("king"), 422),
                ("region_code", json!("500114001001"), 422),
                ("region_code", json!("500115001001001"), 404),
                ("password", json!("short"), 422),
                ("password", json!("长".repeat(257)), 422),
                ("unit_id", json!("X99"), 404),
                ("display_name", json!("  "), 422),
                ("username", json!("no spaces allowed"), 422),
            ] {
                let mut body = new.clone();
                body["username"] = json!("grid-new-2");
                body[field] = value;
                let (st, b) = s.post("/api/v1/users", Some(&admin), Some("application/json"), body.to_string()).await;
                assert_eq!(st.as_u16(), status, "{field}: {b}");
                assert_eq!(b["details"]["field"], field, "{b}");
            }
            let (_, page) = s.get("/api/v1/users?q=grid-new-2", Some(&admin)).await;
            assert_eq!(page["total"], 0);

            // A reset ends the account's sessions at once.
            let (st, b) = s.post_put("/api/v1/users/grid-new-1/password", Some(&admin), json!({"password": "another secret"}).to_string()).await;
            assert_eq!(st, StatusCode::NO_CONTENT, "{b}");
            let (st, _) = s.get("/api/v1/auth/me", Some(&fresh)).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED);
            s.token_with("grid-new-1", "another secret").await;
            let (st, b) = s.post_put("/api/v1/users/nobody/password", Some(&admin), json!({"password": "another secret"}).to_string()).await;
            assert_error(st, &b, 404, "not_found");

            // Only administrators.
            let district = s.token("district").await;
            let (st, b) = s.get("/api/v1/users", Some(&district)).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, b) = s.post_put("/api/v1/users/grid-new-1/password", Some(&district), json!({"password": "hijacked!!"}).to_string()).await;
            assert_error(st, &b, 403, "forbidden");
            let actions = s.store.actions(0, 100_000).await.unwrap();
            assert!(actions.iter().any(|a| a.action == "user.passwd" && a.subject == "user:grid-new-1"));
            s
        })
        .await;
}

#[tokio::test]
async fn administrators_stop_start_and_unlock_accounts_and_keep_work_phones() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let ct = Some("application/json");
        let new = json!({"username": "grid-phone-1", "display_name": "冉小红", "role": "grid_worker",
            "region_code": "500114001001001", "password": "a long secret", "phone": "139 1234 5678"});
        let (st, made) = s.post("/api/v1/users", Some(&admin), ct, new.to_string()).await;
        assert_eq!(st, StatusCode::CREATED, "{made}");
        let mut bad = new.clone();
        bad["username"] = json!("grid-phone-2");
        bad["phone"] = json!("12ab");
        let (st, b) = s.post("/api/v1/users", Some(&admin), ct, bad.to_string()).await;
        assert_error(st, &b, 422, "invalid_parameter");
        assert_eq!(b["details"]["field"], "phone");

        let listed = |page: &Value| page["items"][0].clone();
        let (_, page) = s.get("/api/v1/users?q=grid-phone-1", Some(&admin)).await;
        let row = listed(&page);
        assert_eq!((row["phone"].as_str(), row["disabled"].as_bool(), row["last_sign_in_at"].is_null()), (Some("139****5678"), Some(false), true), "{row}");
        let worker = s.token_with("grid-phone-1", "a long secret").await;
        let (_, page) = s.get("/api/v1/users?q=grid-phone-1", Some(&admin)).await;
        assert!(listed(&page)["last_sign_in_at"].is_string(), "the sign-in is shown");

        // Stopped: the open session ends at once; the right password answers account_disabled.
        let (st, b) = s.patch("/api/v1/users/grid-phone-1", Some(&admin), json!({"disabled": true})).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, _) = s.get("/api/v1/auth/me", Some(&worker)).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, b) = s.login_as("grid-phone-1", "a long secret").await;
        assert_error(st, &b, 403, "account_disabled");
        let (st, b) = s.login_as("grid-phone-1", "a wrong secret").await;
        assert_error(st, &b, 401, "invalid_credentials");
        let (_, page) = s.get("/api/v1/users?q=grid-phone-1", Some(&admin)).await;
        assert_eq!(listed(&page)["disabled"], true);
        // Started again, renamed, the phone removed.
        let (st, b) = s.patch("/api/v1/users/grid-phone-1", Some(&admin), json!({"disabled": false, "display_name": "冉红", "phone": ""})).await;
        assert_eq!((st, b["display_name"].as_str()), (StatusCode::OK, Some("冉红")), "{b}");
        s.token_with("grid-phone-1", "a long secret").await;
        let (_, page) = s.get("/api/v1/users?q=grid-phone-1", Some(&admin)).await;
        assert!(listed(&page)["phone"].is_null());

        // An administrator cannot stop themselves; nobody else may stop anyone; nothing is
        // not a change; an account outside the area does not exist.
        let (st, b) = s.patch("/api/v1/users/admin", Some(&admin), json!({"disabled": true})).await;
        assert_error(st, &b, 409, "conflict");
        let district = s.token("district").await;
        let (st, b) = s.patch("/api/v1/users/grid-phone-1", Some(&district), json!({"disabled": true})).await;
        assert_error(st, &b, 403, "forbidden");
        let before = s.store.actions(0, i64::MAX).await.unwrap().len();
        let (st, b) = s.patch("/api/v1/users/grid-phone-1", Some(&admin), json!({"display_name": null})).await;
        assert_eq!((st, b["display_name"].as_str()), (StatusCode::OK, Some("冉红")), "naming nothing changes nothing");
        assert_eq!(s.store.actions(0, i64::MAX).await.unwrap().len(), before, "and records nothing");
        let (st, b) = s.patch("/api/v1/users/nobody-here", Some(&admin), json!({"disabled": true})).await;
        assert_error(st, &b, 404, "not_found");

        // Locked by wrong passwords, unlocked by an administrator.
        let mut locked = false;
        for _ in 0..12 {
            let (st, _) = s.login_as("grid-phone-1", "not the secret").await;
            if st == StatusCode::TOO_MANY_REQUESTS {
                locked = true;
                break;
            }
        }
        assert!(locked, "wrong passwords lock the account");
        let (_, page) = s.get("/api/v1/users?q=grid-phone-1", Some(&admin)).await;
        assert!(listed(&page)["locked_until"].is_string(), "{page}");
        let (st, _) = s.post("/api/v1/users/grid-phone-1/unlock", Some(&admin), ct, String::new()).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        s.token_with("grid-phone-1", "a long secret").await;
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        let on = |name: &str| actions.iter().filter(|a| a.subject == "user:grid-phone-1" && a.action == name).count();
        assert_eq!((on("user.change"), on("user.unlock")), (2, 1));
        assert!(actions.iter().all(|a| !a.opinion.as_deref().unwrap_or("").contains("12345678")), "no phone in the record");
        s
    })
    .await;
}
