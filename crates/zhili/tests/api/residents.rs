use super::*;

const JPEG: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");
const VILLAGE_GRID: &str = "500114001001001";

pub(super) fn id_for(birth: (i64, u32, u32), seq: u32) -> String {
    let day = zhili_domain::time::days_from_civil(birth.0, birth.1, birth.2);
    zhili_domain::id_number::compose("500114", day, seq)
}

/// The latest code the outbox holds for a number ending in `last4`, as an administrator
/// reads it (the outbox sender settles messages within moments).
pub(super) async fn code_from_outbox(s: &Server, admin: &str, last4: &str) -> String {
    for _ in 0..50 {
        let (status, list) = s
            .get(
                &format!("/api/v1/outbox?phone_last4={last4}&limit=5"),
                Some(admin),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        if let Some(m) = list
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == "code")
        {
            if m["state"] == "held" {
                assert_eq!(m["via"], "outbox");
                let body = m["body"].as_str().unwrap();
                let digits: String = body
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() == 6)
                    .unwrap_or_else(|| panic!("no code in {body}"))
                    .to_string();
                // (The code itself may hold the same four digits by chance.)
                assert!(
                    !body.replace(&digits, "").contains(last4),
                    "the body does not carry the number"
                );
                return digits;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no code held for …{last4}");
}

/// Signs a number up (or in) through the outbox; the resident token.
pub(super) async fn resident_token(s: &Server, admin: &str, phone: &str) -> String {
    let (status, body) = post_json_open(s, "/api/v1/resident/code", json!({"phone": phone})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let code = code_from_outbox(s, admin, &phone[phone.len() - 4..]).await;
    let (status, session) = post_json_open(
        s,
        "/api/v1/resident/session",
        json!({"phone": phone, "code": code}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    session["token"].as_str().unwrap().to_string()
}

pub(super) async fn post_json_open(s: &Server, path: &str, body: Value) -> (StatusCode, Value) {
    s.post(path, None, Some("application/json"), body.to_string())
        .await
}

async fn act(s: &Server, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    post_json(s, &format!("/api/v1/events/{id}/actions"), token, body).await
}

async fn notices(s: &Server, token: &str) -> Value {
    let (status, body) = s.get("/api/v1/resident/notices", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn kinds(n: &Value) -> Vec<String> {
    n["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_resident_signs_up_links_reports_follows_and_rates() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let worker = s.token(&format!("grid-{VILLAGE_GRID}")).await;
        let village = s.token("village-500114001001").await;

        // A code to a number: checked, rationed, read in the outbox by an administrator only.
        let (status, body) = post_json_open(&s, "/api/v1/resident/code", json!({"phone": "12800138000"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "phone");
        let (status, sent) = post_json_open(&s, "/api/v1/resident/code", json!({"phone": "+86 139-0000-1111"})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
        assert_eq!((sent["expires_in_s"].as_i64(), sent["resend_after_s"].as_i64()), (Some(300), Some(60)));
        let (status, body) = post_json_open(&s, "/api/v1/resident/code", json!({"phone": "13900001111"})).await;
        assert_error(status, &body, 429, "rate_limited");
        let (status, body) = s.get("/api/v1/outbox", Some(&worker)).await;
        assert_error(status, &body, 403, "forbidden");
        let code = code_from_outbox(&s, &admin, "1111").await;

        // A wrong answer counts; the right one signs up; the same code twice is refused.
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, body) = post_json_open(&s, "/api/v1/resident/session", json!({"phone": "13900001111", "code": wrong})).await;
        assert_error(status, &body, 422, "wrong_code");
        assert!(body["message_zh"].as_str().unwrap().contains("4 次"), "{body}");
        let (status, session) = post_json_open(&s, "/api/v1/resident/session", json!({"phone": "13900001111", "code": code})).await;
        assert_eq!(status, StatusCode::OK, "{session}");
        assert_eq!((session["created"].as_bool(), session["resident"]["phone"].as_str()), (Some(true), Some("139****1111")));
        let me = session["token"].as_str().unwrap().to_string();
        assert!(me.starts_with("zr_"));
        let (status, body) = post_json_open(&s, "/api/v1/resident/session", json!({"phone": "13900001111", "code": code})).await;
        assert_error(status, &body, 422, "code_expired");

        // A resident's token opens no staff door; a staff token opens no resident door.
        let (status, _) = s.get("/api/v1/events", Some(&me)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = s.get("/api/v1/auth/me", Some(&me)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = s.get("/api/v1/resident/me", Some(&worker)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Linking: a number and name that match a registered person nobody else holds. Every
        // refusal reads the same, so it confirms nothing about anyone.
        let number = id_for((1985, 3, 8), 21);
        let (status, person) = post_json(&s, "/api/v1/people", &worker, json!({"id_number": number, "name": "刘桂芳", "grid_code": VILLAGE_GRID})).await;
        assert_eq!(status, StatusCode::CREATED, "{person}");
        let (status, wrong_name) = post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": number, "name": "刘桂英"})).await;
        assert_error(status, &wrong_name, 422, "invalid_parameter");
        assert_eq!(wrong_name["details"]["field"], "id_number");
        let (status, unknown) = post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": id_for((1985, 3, 8), 22), "name": "刘桂芳"})).await;
        assert_eq!((status, &unknown), (StatusCode::UNPROCESSABLE_ENTITY, &wrong_name), "the same refusal");
        let (status, body) = post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": "5001141985", "name": "刘桂芳"})).await;
        assert_error(status, &body, 422, "invalid_id_number");
        let (status, linked) = post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": number.to_lowercase(), "name": "刘桂芳"})).await;
        assert_eq!(status, StatusCode::OK, "{linked}");
        assert_eq!((linked["linked"].as_bool(), linked["name"].as_str()), (Some(true), Some("刘桂芳")));
        assert!(linked["area_name"].as_str().unwrap().contains("文汇社区"), "{linked}");
        assert!(!linked.to_string().contains(&number[6..14]), "the ID number is never shown back");
        let (status, body) = post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": number, "name": "刘桂芳"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let other = resident_token(&s, &admin, "13700002222").await;
        let (status, taken) = post_json(&s, "/api/v1/resident/link", &other, json!({"id_number": number, "name": "刘桂芳"})).await;
        assert_eq!((status, &taken), (StatusCode::UNPROCESSABLE_ENTITY, &wrong_name), "held by another: the same refusal");

        // A report with a photo, in the resident's own list only.
        let (status, photo) = s.post("/api/v1/resident/photos", Some(&me), Some("image/jpeg"), JPEG.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{photo}");
        let photo_id = photo["id"].as_str().unwrap().to_string();
        let (status, body) = s.get(&format!("/api/v1/resident/photos/{photo_id}"), Some(&other)).await;
        assert_error(status, &body, 404, "not_found");
        let p = deep_point(VILLAGE_GRID);
        let report = json!({"category": "0602", "description": "小区门口路灯不亮，晚上很黑", "location": {"lon": p.x, "lat": p.y}, "photos": [photo_id]});
        let (status, body) = post_json(&s, "/api/v1/resident/events", &other, json!({"category": "0602", "description": "x", "location": {"lon": p.x, "lat": p.y}, "photos": [photo_id]})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/resident/events", &me, json!({"category": "0602", "description": "x", "location": {"lon": 116.4, "lat": 39.9}})).await;
        assert_error(status, &body, 404, "outside_coverage");
        let (status, made) = post_json(&s, "/api/v1/resident/events", &me, report).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!((made["status_label"].as_str(), made["may_add"].as_bool()), (Some("待受理"), Some(true)));
        let id = made["id"].as_i64().unwrap();
        let (status, body) = s.get(&format!("/api/v1/resident/events/{id}"), Some(&other)).await;
        assert_error(status, &body, 404, "not_found");
        let (_, theirs) = s.get("/api/v1/resident/events", Some(&other)).await;
        assert_eq!(theirs, json!([]));
        let (status, staff_view) = s.get(&format!("/api/v1/events/{id}"), Some(&village)).await;
        assert_eq!(status, StatusCode::OK, "{staff_view}");
        assert_eq!((staff_view["channel"].as_str(), staff_view["reporter_name"].as_str(), staff_view["reporter_phone"].as_str()), (Some("resident"), Some("刘桂芳"), Some("139****1111")));

        // The loop as staff walk it; the resident is told at each step that matters to them.
        let (status, d) = act(&s, &village, id, json!({"action": "register"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, d) = act(&s, &village, id, json!({"action": "dispatch", "version": d["version"]})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let lead = d["lead_unit"]["id"].as_str().or(d["lead_unit"].as_str()).unwrap_or("D09").to_string();
        let handler = s.token(&format!("dept-{lead}")).await;
        let (status, d) = act(&s, &handler, id, json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, added) = post_json(&s, &format!("/api/v1/resident/events/{id}/additions"), &me, json!({"text": "灯杆编号 QJ-0456", "photos": [photo_id]})).await;
        assert_eq!(status, StatusCode::CREATED, "{added}");
        let (status, d) = act(&s, &handler, id, json!({"action": "handle", "feedback": "已更换灯泡"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, d) = act(&s, &worker, id, json!({"action": "verify", "passed": true})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, d) = act(&s, &village, id, json!({"action": "close"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let told = notices(&s, &me).await;
        assert_eq!(kinds(&told), ["closed", "handled", "dispatched", "registered"], "{told}");
        assert!(told["messages"][1]["body"].as_str().unwrap().contains("已更换灯泡"), "{told}");
        assert_eq!(kinds(&notices(&s, &other).await), Vec::<String>::new());
        // Every notice went out through the same sender as the codes.
        let (_, outbox) = s.get("/api/v1/outbox?phone_last4=1111", Some(&admin)).await;
        assert_eq!(outbox.as_array().unwrap().iter().filter(|m| m["kind"] != "code").count(), 4, "{outbox}");

        // The centre no longer rates for them; the resident does, once.
        let (status, body) = act(&s, &village, id, json!({"action": "evaluate", "satisfaction": 5})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = post_json(&s, &format!("/api/v1/resident/events/{id}/additions"), &me, json!({"text": "补充"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = post_json(&s, &format!("/api/v1/resident/events/{id}/rating"), &me, json!({"satisfaction": 6})).await;
        assert_eq!(status.as_u16(), 422, "{body}");
        let (status, rated) = post_json(&s, &format!("/api/v1/resident/events/{id}/rating"), &me, json!({"satisfaction": 4, "comment": "修得及时"})).await;
        assert_eq!(status, StatusCode::OK, "{rated}");
        assert_eq!((rated["event"]["status"].as_str(), rated["event"]["satisfaction"].as_i64()), (Some("evaluated"), Some(4)));
        let steps: Vec<&str> = rated["progress"].as_array().unwrap().iter().map(|p| p["action"].as_str().unwrap()).collect();
        assert_eq!(steps, ["report", "register", "dispatch", "accept", "supplement", "handle", "close", "evaluate"], "{rated}");
        assert!(rated["progress"][2]["unit"].as_str().is_some_and(|u| !u.is_empty() && !u.starts_with('D')), "{rated}");
        assert_eq!(rated["progress"][4]["note"], "灯杆编号 QJ-0456");
        let (status, body) = post_json(&s, &format!("/api/v1/resident/events/{id}/rating"), &me, json!({"satisfaction": 5})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (_, staff_view) = s.get(&format!("/api/v1/events/{id}"), Some(&village)).await;
        assert_eq!(staff_view["satisfaction"], 4);

        // A 私事: registered with guidance, returned to the resident, settled by their word.
        let (status, own) = post_json(&s, "/api/v1/resident/events", &me, json!({"category": "0110", "description": "邻居借款两万元到期不还", "location": {"lon": p.x, "lat": p.y}})).await;
        assert_eq!(status, StatusCode::CREATED, "{own}");
        let private = own["id"].as_i64().unwrap();
        let (status, d) = act(&s, &village, private, json!({"action": "register", "opinion": "可先协商，协商不成可向人民法院起诉"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let told = notices(&s, &me).await;
        assert_eq!(told["messages"][0]["kind"], "to_confirm");
        assert!(told["messages"][0]["body"].as_str().unwrap().contains("向人民法院起诉"), "{told}");
        let (_, seen) = s.get(&format!("/api/v1/resident/events/{private}"), Some(&me)).await;
        assert_eq!(seen["event"]["may_confirm"], true);
        assert_eq!(seen["progress"][1]["note"], "可先协商，协商不成可向人民法院起诉");
        let (status, body) = post_json(&s, &format!("/api/v1/resident/events/{id}/confirmation"), &me, json!({})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, done) = post_json(&s, &format!("/api/v1/resident/events/{private}/confirmation"), &me, json!({"version": seen["event"]["version"]})).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!((done["event"]["status"].as_str(), done["event"]["may_rate"].as_bool()), (Some("closed"), Some(true)));

        // Public notices: posted by the station for its village, read by its linked residents.
        let (status, body) = post_json(&s, "/api/v1/notices", &worker, json!({"title": "停水通知", "body": "明日停水"})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(&s, "/api/v1/notices", &village, json!({"region_code": "500114001002", "title": "停水通知", "body": "明日停水"})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, posted) = post_json(&s, "/api/v1/notices", &village, json!({"title": "停水通知", "body": "12月5日 8:00–12:00 文汇社区停水检修。"})).await;
        assert_eq!(status, StatusCode::CREATED, "{posted}");
        let told = notices(&s, &me).await;
        assert_eq!(told["notices"][0]["title"], "停水通知", "{told}");
        assert_eq!(notices(&s, &other).await["notices"], json!([]), "not linked: no village");
        let (status, _) = s.post(&format!("/api/v1/notices/{}/withdrawal", posted["id"]), Some(&village), None, "").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(notices(&s, &me).await["notices"], json!([]));

        // The number is never written in the clear.
        let rows = sqlx::query("SELECT phone_sealed, phone_masked, phone_blind FROM residents")
            .fetch_all(s.store.pool())
            .await
            .unwrap();
        use sqlx::Row;
        for r in rows {
            for col in ["phone_sealed", "phone_masked", "phone_blind"] {
                let v: String = r.get(col);
                assert!(!v.contains("13900001111") && !v.contains("13700002222"), "{col}: {v}");
            }
        }

        // Signed out: the token no longer works.
        let resp = s.http.delete(format!("{}/api/v1/resident/session", s.base)).bearer_auth(&me).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let (status, _) = s.get("/api/v1/resident/me", Some(&me)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        s
    })
    .await;
}

#[tokio::test]
async fn codes_expire_after_five_wrong_answers_and_an_address_is_rationed() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let (status, _) =
            post_json_open(&s, "/api/v1/resident/code", json!({"phone": "13600003333"})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let code = code_from_outbox(&s, &admin, "3333").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let (status, body) = post_json_open(
                &s,
                "/api/v1/resident/session",
                json!({"phone": "13600003333", "code": wrong}),
            )
            .await;
            assert_error(status, &body, 422, "wrong_code");
        }
        let (status, body) = post_json_open(
            &s,
            "/api/v1/resident/session",
            json!({"phone": "13600003333", "code": code}),
        )
        .await;
        assert_error(status, &body, 422, "code_expired");
        let (status, body) = post_json_open(
            &s,
            "/api/v1/resident/session",
            json!({"phone": "13600004444", "code": "123456"}),
        )
        .await;
        assert_error(status, &body, 422, "code_expired");
        let (status, body) = post_json_open(
            &s,
            "/api/v1/resident/session",
            json!({"phone": "13600003333", "code": "12a456"}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        // One address asking codes for many numbers is stopped.
        let mut refused = None;
        for i in 0..40 {
            let (status, body) = post_json_open(
                &s,
                "/api/v1/resident/code",
                json!({"phone": format!("135{i:08}")}),
            )
            .await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                refused = Some((i, body));
                break;
            }
            assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        }
        let (i, body) = refused.expect("the address is rationed");
        assert_eq!(
            i, 29,
            "thirty codes per address in ten minutes (one asked before)"
        );
        assert_eq!(body["code"], "rate_limited");
        s
    })
    .await;
}

/// Posts JSON without a token from a task of its own (so many go at once); the status and body.
fn post_at_once(
    s: &Server,
    path: &str,
    body: Value,
) -> tokio::task::JoinHandle<(StatusCode, Value)> {
    let (http, url) = (s.http.clone(), format!("{}{path}", s.base));
    tokio::spawn(async move {
        let r = http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    })
}

#[tokio::test]
async fn a_crowd_signing_up_at_once_shares_commits_and_each_is_judged_alone() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        // Twenty numbers at once, and one number asked for twice at the same moment: the code
        // writer takes them together, yet the ration still counts the second request.
        let mut asks: Vec<_> = (0..20)
            .map(|n| {
                post_at_once(
                    &s,
                    "/api/v1/resident/code",
                    json!({"phone": format!("1370055{n:04}")}),
                )
            })
            .collect();
        asks.push(post_at_once(
            &s,
            "/api/v1/resident/code",
            json!({"phone": "13700559999"}),
        ));
        asks.push(post_at_once(
            &s,
            "/api/v1/resident/code",
            json!({"phone": "13700559999"}),
        ));
        let mut statuses = Vec::new();
        for a in asks {
            statuses.push(a.await.unwrap().0.as_u16());
        }
        assert!(statuses[..20].iter().all(|c| *c == 202), "{statuses:?}");
        let mut twice = statuses[20..].to_vec();
        twice.sort();
        assert_eq!(
            twice,
            vec![202, 429],
            "one code a minute, however close the requests"
        );
        // Every one of the crowd signs in with their own code, together.
        let mut codes = Vec::new();
        for n in 0..20 {
            let phone = format!("1370055{n:04}");
            codes.push((code_from_outbox(&s, &admin, &phone[7..]).await, phone));
        }
        let answers: Vec<_> = codes
            .into_iter()
            .map(|(code, phone)| {
                post_at_once(
                    &s,
                    "/api/v1/resident/session",
                    json!({"phone": phone, "code": code}),
                )
            })
            .collect();
        for a in answers {
            let (status, body) = a.await.unwrap();
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["created"], true);
        }
        s
    })
    .await;
}
