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
                "region_code": "500114001001001", "unit_id": null, "department": null, "password": "Long secret 2026"});
            let (st, made) = s.post("/api/v1/users", Some(&admin), Some("application/json"), new.to_string()).await;
            assert_eq!(st, StatusCode::CREATED, "{made}");
            assert_eq!(made["role_label"], "网格员");
            let (st, b) = s.post("/api/v1/users", Some(&admin), Some("application/json"), new.to_string()).await;
            assert_error(st, &b, 409, "conflict");
            let fresh = s.token_with("grid-new-1", "Long secret 2026").await;
            let (st, me) = s.get("/api/v1/auth/me", Some(&fresh)).await;
            assert_eq!((st, me["must_change_password"].as_bool()), (StatusCode::OK, Some(true)), "{me}");

            // Every bad field is named; nothing is written.
            // Something named that is not there (or not in the caller's area) is not found.
            for (field, value, status) in [
                ("role", json!("king"), 422),
                ("region_code", json!("500114001001"), 422),
                ("region_code", json!("500115001001001"), 404),
                ("password", json!("short"), 422),
                ("password", json!("all lower case letters"), 422),
                ("password", json!("Grid-new-2-secret"), 422),
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
            let (st, b) = s.post_put("/api/v1/users/grid-new-1/password", Some(&admin), json!({"password": "Another secret 2026"}).to_string()).await;
            assert_eq!(st, StatusCode::NO_CONTENT, "{b}");
            let (st, _) = s.get("/api/v1/auth/me", Some(&fresh)).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED);
            s.token_with("grid-new-1", "Another secret 2026").await;
            let (st, b) = s.post_put("/api/v1/users/nobody/password", Some(&admin), json!({"password": "Another secret 2026"}).to_string()).await;
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
            "region_code": "500114001001001", "password": "Long secret 2026", "phone": "139 1234 5678"});
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
        let worker = s.token_with("grid-phone-1", "Long secret 2026").await;
        let (_, page) = s.get("/api/v1/users?q=grid-phone-1", Some(&admin)).await;
        assert!(listed(&page)["last_sign_in_at"].is_string(), "the sign-in is shown");

        // Stopped: the open session ends at once; the right password answers account_disabled.
        let (st, b) = s.patch("/api/v1/users/grid-phone-1", Some(&admin), json!({"disabled": true})).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, _) = s.get("/api/v1/auth/me", Some(&worker)).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, b) = s.login_as("grid-phone-1", "Long secret 2026").await;
        assert_error(st, &b, 403, "account_disabled");
        let (st, b) = s.login_as("grid-phone-1", "a wrong secret").await;
        assert_error(st, &b, 401, "invalid_credentials");
        let (_, page) = s.get("/api/v1/users?q=grid-phone-1", Some(&admin)).await;
        assert_eq!(listed(&page)["disabled"], true);
        // Started again, renamed, the phone removed.
        let (st, b) = s.patch("/api/v1/users/grid-phone-1", Some(&admin), json!({"disabled": false, "display_name": "冉红", "phone": ""})).await;
        assert_eq!((st, b["display_name"].as_str()), (StatusCode::OK, Some("冉红")), "{b}");
        s.token_with("grid-phone-1", "Long secret 2026").await;
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
        s.token_with("grid-phone-1", "Long secret 2026").await;
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        let on = |name: &str| actions.iter().filter(|a| a.subject == "user:grid-phone-1" && a.action == name).count();
        assert_eq!((on("user.change"), on("user.unlock")), (2, 1));
        assert!(actions.iter().all(|a| !a.opinion.as_deref().unwrap_or("").contains("12345678")), "no phone in the record");
        s
    })
    .await;
}

#[tokio::test]
async fn a_password_set_by_an_administrator_is_changed_at_the_first_sign_in_and_not_reused() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let new = json!({"username": "grid-first-1", "display_name": "新人", "role": "grid_worker",
            "region_code": "500114001001001", "password": "Given by admin 1"});
        let (st, made) = s
            .post(
                "/api/v1/users",
                Some(&admin),
                Some("application/json"),
                new.to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{made}");
        assert_eq!(made["must_change_password"], true);

        // The first session reaches only the change, `me` and signing out.
        let (st, login) = s.login_as("grid-first-1", "Given by admin 1").await;
        assert_eq!(
            (st, login["user"]["must_change_password"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{login}"
        );
        let first = login["token"].as_str().unwrap().to_string();
        let (st, b) = s.get("/api/v1/events", Some(&first)).await;
        assert_error(st, &b, 403, "password_change_required");
        let change = |token: &str, current: &str, new: &str| {
            let body = json!({"current_password": current, "new_password": new}).to_string();
            let token = token.to_string();
            let s = &s;
            async move {
                s.post(
                    "/api/v1/auth/password",
                    Some(&token),
                    Some("application/json"),
                    body,
                )
                .await
            }
        };
        let (st, b) = change(&first, "not the password", "My own secret 1").await;
        assert_error(st, &b, 401, "invalid_credentials");
        assert_eq!(b["details"]["field"], "current_password");
        for weak in ["short", "only lower letters", "grid-first-1 Secret"] {
            let (st, b) = change(&first, "Given by admin 1", weak).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "new_password", "{weak}: {b}");
        }
        let (st, b) = change(&first, "Given by admin 1", "Given by admin 1").await;
        assert_error(st, &b, 422, "invalid_parameter");
        assert!(b["message"].as_str().unwrap().contains("last 5"), "{b}");
        let (st, changed) = change(&first, "Given by admin 1", "My own secret 1").await;
        assert_eq!(st, StatusCode::OK, "{changed}");
        assert_eq!(changed["user"]["must_change_password"], false);
        let own = changed["token"].as_str().unwrap().to_string();
        let (st, _) = s.get("/api/v1/auth/me", Some(&first)).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "the old session ended");
        let (st, _) = s.get("/api/v1/events", Some(&own)).await;
        assert_eq!(st, StatusCode::OK);

        // Not one of the last five: four more changes, then the first one is refused and a
        // sixth-oldest is free again.
        let mut token = own;
        let mut current = "My own secret 1".to_string();
        for i in 2..=5 {
            let next = format!("My own secret {i}");
            let (st, b) = change(&token, &current, &next).await;
            assert_eq!(st, StatusCode::OK, "{b}");
            token = b["token"].as_str().unwrap().to_string();
            current = next;
        }
        let (st, b) = change(&token, &current, "My own secret 1").await;
        assert_error(st, &b, 422, "invalid_parameter");
        let (st, b) = change(&token, &current, "Given by admin 1").await;
        assert_eq!(
            st,
            StatusCode::OK,
            "six passwords ago is allowed again: {b}"
        );

        // A reset by the administrator asks for a change again; the record tells each change.
        let (st, _) = s
            .post_put(
                "/api/v1/users/grid-first-1/password",
                Some(&admin),
                json!({"password": "Reset by admin 7"}).to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let (_, login) = s.login_as("grid-first-1", "Reset by admin 7").await;
        assert_eq!(login["user"]["must_change_password"], true);
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        let changes: Vec<_> = actions
            .iter()
            .filter(|a| a.action == "user.passwd" && a.subject == "user:grid-first-1")
            .collect();
        assert_eq!(changes.len(), 7, "six changes by the owner, one reset");
        assert_eq!(changes[0].actor, "grid-first-1");
        assert_eq!(
            changes.last().unwrap().opinion.as_deref(),
            Some("to be changed at the next sign-in")
        );
        s
    })
    .await;
}
