use super::*;

const VILLAGE: &str = "500114001001";
const G1: &str = "500114001001001";
const G2: &str = "500114001001002";
const G3: &str = "500114001001003";

async fn report(s: &Server, grid: &str, what: &str) -> i64 {
    let worker = s.token(&format!("grid-{grid}")).await;
    let p = deep_point(grid);
    let (status, e) = post_json(
        s,
        "/api/v1/events",
        &worker,
        json!({"channel": "grid_patrol", "category": "0102", "description": what, "location": {"lon": p.x, "lat": p.y}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    e["id"].as_i64().unwrap()
}

async fn sees(s: &Server, token: &str, id: i64) -> bool {
    let (status, _) = s.get(&format!("/api/v1/events/{id}"), Some(token)).await;
    assert!(
        status == StatusCode::OK || status == StatusCode::NOT_FOUND,
        "{status}"
    );
    status == StatusCode::OK
}

fn rfc(ms: i64) -> String {
    zhili_domain::time::rfc3339(ms)
}

#[tokio::test]
async fn a_grid_leader_sees_the_grids_they_lead_and_a_cover_opens_a_grid_while_it_runs() {
    on_every_backend(|s| async move {
        assert!(plan().grids.iter().filter(|g| g.code.as_str().starts_with(VILLAGE)).count() >= 3);
        let station = s.token(&format!("village-{VILLAGE}")).await;
        let leader_name = format!("leader-{VILLAGE}");
        let leader = s.token(&leader_name).await;
        let worker1 = s.token(&format!("grid-{G1}")).await;
        let worker2 = s.token(&format!("grid-{G2}")).await;
        let dept = s.token("dept-D09").await;
        let (e1, e2, e3) = (
            report(&s, G1, "一组路灯不亮（网格力量测试）").await,
            report(&s, G2, "二组垃圾堆放（网格力量测试）").await,
            report(&s, G3, "三组占道经营（网格力量测试）").await,
        );

        // A leader with no grid posted sees nothing of the village.
        assert!(!sees(&s, &leader, e1).await);
        let (status, page) = s.get("/api/v1/events", Some(&leader)).await;
        assert_eq!((status, page["total"].as_i64()), (StatusCode::OK, Some(0)), "{page}");

        // Posted to grids 1 and 2 (一人兼 on the first), the leader sees those and not grid 3.
        let post = |grid: &str, username: &str, post: &str, head: bool| {
            json!({"username": username, "grid_code": grid, "post": post, "party_branch_head": head})
        };
        let (status, p1) = post_json(&s, "/api/v1/grid-staff", &station, post(G1, &leader_name, "leader", true)).await;
        assert_eq!(status, StatusCode::CREATED, "{p1}");
        assert_eq!((p1["post_label"].as_str(), p1["party_branch_head"].as_bool()), (Some("网格长"), Some(true)));
        let (status, p2) = post_json(&s, "/api/v1/grid-staff", &station, post(G2, &leader_name, "leader", false)).await;
        assert_eq!(status, StatusCode::CREATED, "{p2}");
        assert!(sees(&s, &leader, e1).await && sees(&s, &leader, e2).await);
        assert!(!sees(&s, &leader, e3).await, "grid 3 is not theirs");
        let (_, page) = s.get("/api/v1/events?page_size=100", Some(&leader)).await;
        let grids: std::collections::BTreeSet<&str> = page["items"].as_array().unwrap().iter().map(|e| e["grid_code"].as_str().unwrap()).collect();
        assert_eq!(grids, [G1, G2].into_iter().collect(), "{page}");
        // Not the village as a whole either: its people and its dashboard are the grids'.
        let (status, body) = s.get(&format!("/api/v1/dashboard/trend?region={VILLAGE}"), Some(&leader)).await;
        assert_error(status, &body, 404, "not_found");

        // What the posting rules refuse, and who may post at all.
        let (status, body) = post_json(&s, "/api/v1/grid-staff", &station, post(G1, &leader_name, "leader", false)).await;
        assert_error(status, &body, 409, "conflict");
        // The same post asked for eight times at once: one posting, the rest refused, none failing.
        let worker3 = format!("grid-{G3}");
        let tries = (0..8).map(|_| post_json(&s, "/api/v1/grid-staff", &station, post(G3, &worker3, "full_time", false)));
        let answers = futures_util::future::join_all(tries).await;
        let created = answers.iter().filter(|(st, _)| *st == StatusCode::CREATED).count();
        assert!(answers.iter().all(|(st, _)| *st == StatusCode::CREATED || *st == StatusCode::CONFLICT), "{answers:?}");
        assert_eq!(created, 1, "{answers:?}");
        let (status, body) = post_json(&s, "/api/v1/grid-staff", &station, post(G1, &format!("grid-{G1}"), "leader", false)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = post_json(&s, "/api/v1/grid-staff", &station, post(G1, &format!("grid-{G1}"), "full_time", true)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"].as_str(), Some("party_branch_head"), "{body}");
        let (status, body) = post_json(&s, "/api/v1/grid-staff", &station, post(G2, &format!("grid-{G1}"), "full_time", false)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = post_json(&s, "/api/v1/grid-staff", &station, post("500114001002001", &leader_name, "leader", false)).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/grid-staff", &station, post(G1, "grid-500114001002001", "full_time", false)).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/grid-staff", &worker1, post(G1, &format!("grid-{G1}"), "full_time", false)).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.get("/api/v1/grid-staff?region=500114001", Some(&dept)).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.get("/api/v1/grid-staff?region=500114", Some(&s.token("district").await)).await;
        assert_error(status, &body, 422, "invalid_parameter");

        // The roster: the station sees the village's grids and the accounts to choose from;
        // the leader sees the grids they lead and nothing to choose.
        let (status, roster) = s.get(&format!("/api/v1/grid-staff?region={VILLAGE}"), Some(&station)).await;
        assert_eq!(status, StatusCode::OK, "{roster}");
        let g1 = roster["grids"].as_array().unwrap().iter().find(|g| g["grid_code"] == G1).unwrap();
        assert!(g1["staff"].as_array().unwrap().iter().any(|p| p["username"] == leader_name.as_str() && p["party_branch_head"] == true), "{g1}");
        assert!(roster["accounts"].as_array().unwrap().iter().any(|a| a["role"] == "grid_leader"));
        let (_, mine) = s.get("/api/v1/grid-staff", Some(&leader)).await;
        let listed: Vec<&str> = mine["grids"].as_array().unwrap().iter().map(|g| g["grid_code"].as_str().unwrap()).collect();
        assert_eq!((listed, mine["accounts"].as_array().map(Vec::len)), (vec![G1, G2], Some(0)), "{mine}");

        // Grid 3's worker is away: grid 2's covers from now for a day, and sees grid 3 meanwhile.
        let now = zhili::now_ms();
        let cover = |absent: &str, by: &str, from: i64, to: i64, why: &str| {
            json!({"grid_code": G3, "absent": absent, "cover": by, "starts_at": rfc(from), "ends_at": rfc(to), "reason": why})
        };
        let (absent, by) = (format!("grid-{G3}"), format!("grid-{G2}"));
        assert!(!sees(&s, &worker2, e3).await);
        let (status, c) = post_json(&s, "/api/v1/grid-covers", &station, cover(&absent, &by, now - 60_000, now + 86_400_000, "年休假")).await;
        assert_eq!((status, c["running"].as_bool()), (StatusCode::CREATED, Some(true)), "{c}");
        assert!(sees(&s, &worker2, e3).await, "the cover opens grid 3");
        let (_, me) = s.get("/api/v1/auth/me", Some(&worker2)).await;
        assert_eq!(me["grids"], json!([G2, G3]), "{me}");
        // The roster as the village files it: posts, 一人兼 and the running cover; recorded.
        let sheet = |token: &str| s.http.get(format!("{}/api/v1/grid-staff/roster.xlsx?region={VILLAGE}", s.base)).bearer_auth(token.to_string()).send();
        let resp = sheet(&station).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let strings = {
            use std::io::Read;
            let bytes = resp.bytes().await.unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let mut text = String::new();
            zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut text).unwrap();
            text
        };
        for want in ["网格力量花名册", "网格长", "兼党支部书记", "（未配备）", "年休假", p1["display_name"].as_str().unwrap()] {
            assert!(strings.contains(want), "the sheet says {want}");
        }
        assert_eq!(sheet(&dept).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert!(!sees(&s, &worker1, e3).await, "to the one covering only");
        // Overlapping, self-covering, reversed, too long, without a reason, or over already.
        for (body, want) in [
            (cover(&absent, &format!("grid-{G1}"), now + 3_600_000, now + 7_200_000, "病假"), 409),
            (cover(&absent, &absent, now + 2 * 86_400_000, now + 3 * 86_400_000, "病假"), 422),
            (cover(&absent, &by, now + 3 * 86_400_000, now + 2 * 86_400_000, "病假"), 422),
            (cover(&absent, &by, now + 2 * 86_400_000, now + 100 * 86_400_000, "病假"), 422),
            (cover(&absent, &by, now + 2 * 86_400_000, now + 3 * 86_400_000, " "), 422),
            (cover(&absent, &by, now - 3 * 86_400_000, now - 2 * 86_400_000, "病假"), 422),
            (cover(&format!("grid-{G1}"), &by, now + 2 * 86_400_000, now + 3 * 86_400_000, "病假"), 422),
            (json!({"grid_code": G3, "absent": absent, "cover": by, "starts_at": "yesterday", "ends_at": rfc(now), "reason": "x"}), 422),
        ] {
            let (status, answer) = post_json(&s, "/api/v1/grid-covers", &station, body.clone()).await;
            assert_eq!(status.as_u16(), want, "{body} → {answer}");
        }
        // Cancelled: grid 3 closes again at once.
        let id = c["id"].as_i64().unwrap();
        let (status, body) = post_json(&s, &format!("/api/v1/grid-covers/{id}/cancel"), &worker2, json!({})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, done) = post_json(&s, &format!("/api/v1/grid-covers/{id}/cancel"), &station, json!({})).await;
        assert_eq!((status, done["running"].as_bool()), (StatusCode::OK, Some(false)), "{done}");
        assert!(!sees(&s, &worker2, e3).await);
        let (status, body) = post_json(&s, &format!("/api/v1/grid-covers/{id}/cancel"), &station, json!({})).await;
        assert_error(status, &body, 409, "conflict");

        // A posting ended: the leader no longer sees grid 2; the history keeps it.
        let p2id = p2["id"].as_i64().unwrap();
        let (status, ended) = post_json(&s, &format!("/api/v1/grid-staff/{p2id}/end"), &station, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{ended}");
        assert!(ended["ended_at"].is_string());
        assert!(sees(&s, &leader, e1).await && !sees(&s, &leader, e2).await);
        let (status, body) = post_json(&s, &format!("/api/v1/grid-staff/{p2id}/end"), &station, json!({})).await;
        assert_error(status, &body, 409, "conflict");
        // Another village's station cannot end or even find it.
        let other = s.token("village-500114001002").await;
        let p1id = p1["id"].as_i64().unwrap();
        let (status, body) = post_json(&s, &format!("/api/v1/grid-staff/{p1id}/end"), &other, json!({})).await;
        assert_error(status, &body, 404, "not_found");

        // The grid's contacts name its leader beside its worker and the station.
        let (status, contacts) = s.get(&format!("/api/v1/regions/{G1}/contacts"), Some(&worker1)).await;
        assert_eq!(status, StatusCode::OK, "{contacts}");
        assert!(contacts.to_string().contains("grid_leader"), "{contacts}");
        // Every change is in the hash-chained record.
        let verbs: Vec<String> = s
            .store
            .actions(0, i64::MAX)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action.starts_with("staff."))
            .map(|a| a.action)
            .collect();
        assert_eq!(verbs, ["staff.post", "staff.post", "staff.post", "staff.cover", "staff.export", "staff.cover_cancel", "staff.end"]);
        s
    })
    .await;
}
