//! Signing in as every demo role, locks and the end of a token.

use super::*;

#[tokio::test]
async fn every_demo_role_signs_in_and_sees_its_own_scope() {
    on_every_backend(|s| async move {
        let cases = [
            ("admin", "admin", "500114", 30),
            ("district", "district_commander", "500114", 30),
            ("district-operator", "district_operator", "500114", 30),
            ("leader", "leader", "500114", 30),
            ("dept-D09", "department_handler", "500114", 30),
            ("town-500114001", "town_operator", "500114001", 1),
            (
                "village-500114001001",
                "village_operator",
                "500114001001",
                0,
            ),
            ("grid-500114001001001", "grid_worker", "500114001001001", 0),
        ];
        for (username, role, region, towns) in cases {
            let (status, body) = s.login_as(username, PASSWORD).await;
            assert_eq!(status, StatusCode::OK, "{username}: {body}");
            assert_eq!(body["user"]["role"], role);
            assert_eq!(body["user"]["region_code"], region);
            let token = body["token"].as_str().unwrap();
            let (status, me) = s.get("/api/v1/auth/me", Some(token)).await;
            assert_eq!(
                (status, me["username"].as_str()),
                (StatusCode::OK, Some(username))
            );
            let (status, list) = s.get("/api/v1/regions?level=town", Some(token)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(list.as_array().unwrap().len(), towns, "{username} towns");
            let (_, grids) = s.get("/api/v1/regions?level=grid", Some(token)).await;
            let grids = grids.as_array().unwrap();
            assert!(!grids.is_empty(), "{username} sees grids");
            assert!(
                grids
                    .iter()
                    .all(|g| g["code"].as_str().unwrap().starts_with(region)),
                "{username} sees only its subtree"
            );
        }
        let dept = s.token("dept-D01").await;
        let (_, me) = s.get("/api/v1/auth/me", Some(&dept)).await;
        assert_eq!(me["department"], "D01");
        s
    })
    .await;
}

#[tokio::test]
async fn sign_in_failures_lock_and_tokens_end() {
    on_every_backend(|s| async move {
        let (status, body) = s.login_as("nobody", PASSWORD).await;
        assert_error(status, &body, 401, "invalid_credentials");
        for _ in 0..4 {
            let (status, body) = s.login_as("town-500114002", "wrong password").await;
            assert_error(status, &body, 401, "invalid_credentials");
        }
        let (status, body) = s.login_as("town-500114002", "wrong password").await;
        assert_error(status, &body, 429, "account_locked");
        let (status, body) = s.login_as("town-500114002", PASSWORD).await;
        assert_error(status, &body, 429, "account_locked");
        // Other accounts are unaffected.
        let token = s.token("town-500114003").await;

        let (status, body) = s.get("/api/v1/regions", None).await;
        assert_error(status, &body, 401, "unauthenticated");
        let (status, body) = s.get("/api/v1/regions", Some("zl_not_a_real_token")).await;
        assert_error(status, &body, 401, "unauthenticated");
        let (status, _) = s.post("/api/v1/auth/logout", Some(&token), None, "").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = s.get("/api/v1/regions", Some(&token)).await;
        assert_error(status, &body, 401, "unauthenticated");

        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        assert!(actions
            .iter()
            .any(|a| a.action == "auth.locked" && a.subject == "user:town-500114002"));
        assert!(actions
            .iter()
            .any(|a| a.action == "auth.logout" && a.subject == "user:town-500114003"));
        s
    })
    .await;
}
