//! Rate limits at the doors an ordinary account (or none) could lean on: sign-in, intake,
//! reveal, export — per account and per address, 429 `rate_limited` with `Retry-After`, a
//! refused request not counted, other accounts and doors untouched.

use super::*;
use zhili::rate_limit::RateLimits;

/// A request's status, code and `Retry-After` (seconds).
async fn send(req: reqwest::RequestBuilder) -> (StatusCode, String, Option<u64>) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (
        status,
        body["code"].as_str().unwrap_or("").to_string(),
        retry,
    )
}

fn limited(answer: (StatusCode, String, Option<u64>)) {
    assert_eq!(
        (answer.0, answer.1.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert!(
        answer.2.is_some_and(|s| (1..=60).contains(&s)),
        "Retry-After {:?}",
        answer.2
    );
}

#[tokio::test]
async fn each_door_counts_per_account_and_per_address_and_answers_429_with_retry_after() {
    on_every_backend(|s| async move {
        let worker = s.token("grid-500114001001001").await;
        let other = s.token("grid-500114001001002").await;
        let village = s.token("village-500114001001").await;
        assert_eq!(s.state.rate_limits.limits(), RateLimits::OFF, "the other tests run without");
        assert_eq!(RateLimits::parse("").unwrap(), RateLimits::default());
        s.state.rate_limits.set(RateLimits::parse("sign_in=3/100,intake=2/100,reveal=2/100,export=1/100").unwrap());

        // Sign-in: the name's rate, right password or wrong; another name goes on.
        let login = |name: &str, password: &str| {
            s.http.post(format!("{}/api/v1/auth/login", s.base)).json(&json!({"username": name, "password": password}))
        };
        assert_eq!(send(login("admin", "wrong-password-1")).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(send(login("admin", PASSWORD)).await.0, StatusCode::OK);
        assert_eq!(send(login("admin", PASSWORD)).await.0, StatusCode::OK);
        limited(send(login("admin", PASSWORD)).await);
        assert_eq!(send(login("district", PASSWORD)).await.0, StatusCode::OK);

        // Intake: two reports a minute for this account, then 429; another worker files.
        let p = deep_point("500114001001001");
        let report = json!({"channel": "grid_patrol", "category": "0602", "description": "路灯不亮", "location": {"lon": p.x, "lat": p.y}});
        let file = |token: &str| s.http.post(format!("{}/api/v1/events", s.base)).bearer_auth(token).json(&report);
        assert_eq!(send(file(&worker)).await.0, StatusCode::CREATED);
        assert_eq!(send(file(&worker)).await.0, StatusCode::CREATED);
        limited(send(file(&worker)).await);
        let q = deep_point("500114001001002");
        let theirs = json!({"channel": "grid_patrol", "category": "0602", "description": "路灯不亮", "location": {"lon": q.x, "lat": q.y}});
        let (st, _, _) = send(s.http.post(format!("{}/api/v1/events", s.base)).bearer_auth(&other).json(&theirs)).await;
        assert_eq!(st, StatusCode::CREATED);

        // Reveal: the full values twice a minute; the masked page is not counted.
        let number = super::residents::id_for((1988, 3, 3), 77);
        let (st, person) = post_json(&s, "/api/v1/people", &worker, json!({"id_type": "111", "id_number": number,
            "name": "陈七", "grid_code": "500114001001001"})).await;
        assert_eq!(st, StatusCode::CREATED, "{person}");
        let page = format!("{}/api/v1/people/{}", s.base, person["id"]);
        for _ in 0..3 {
            assert_eq!(send(s.http.get(&page).bearer_auth(&worker)).await.0, StatusCode::OK);
        }
        let reveal = || s.http.get(format!("{page}?reason=%E6%A0%B8%E5%AF%B9")).bearer_auth(&worker);
        assert_eq!(send(reveal()).await.0, StatusCode::OK);
        assert_eq!(send(reveal()).await.0, StatusCode::OK);
        limited(send(reveal()).await);

        // Export: once a minute per account.
        let export = |token: &str| s.http.get(format!("{}/api/v1/export/houses?format=csv", s.base)).bearer_auth(token);
        assert_eq!(send(export(&village)).await.0, StatusCode::OK);
        limited(send(export(&village)).await);

        // Per address: two exports a minute from this place, whoever asks.
        s.state.rate_limits.set(RateLimits::parse("export=0/2").unwrap());
        assert_eq!(send(export(&worker)).await.0, StatusCode::OK);
        assert_eq!(send(export(&other)).await.0, StatusCode::OK);
        limited(send(export(&village)).await);
        // Off is off.
        s.state.rate_limits.set(RateLimits::OFF);
        assert_eq!(send(export(&village)).await.0, StatusCode::OK);
        s
    })
    .await;
}
