use super::*;
use sqlx::Row;

fn id_for(birth: (i64, u32, u32), seq: u32) -> String {
    let day = zhili_domain::time::days_from_civil(birth.0, birth.1, birth.2);
    zhili_domain::id_number::compose("500114", day, seq)
}

/// Every byte the database holds for people and the record, as text.
async fn database_text(store: &SqlStore) -> String {
    let pool = store.pool();
    let mut out = String::new();
    let file: Option<String> =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_optional(pool)
            .await
            .unwrap_or(None);
    if let Some(file) = file.filter(|f| !f.is_empty()) {
        // SQLite: the file and its write-ahead log, byte for byte.
        for path in [file.clone(), format!("{file}-wal")] {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        return out;
    }
    for table in [
        "people",
        "actions",
        "visits",
        "key_roles",
        "houses",
        "events",
    ] {
        for row in sqlx::query(&format!(
            "SELECT CAST(t.* AS TEXT) AS r FROM (SELECT * FROM {table}) t"
        ))
        .fetch_all(pool)
        .await
        .unwrap()
        {
            let r: String = row.try_get("r").unwrap();
            out.push_str(&r);
        }
    }
    out
}

#[tokio::test]
async fn the_demo_population_loads_and_its_overdue_visits_show() {
    on_every_backend(|s| async move {
        let key = zhili::crypto::DataKey::generate();
        let now = zhili::now_ms();
        let load = zhili::demo::population::generate(
            plan(),
            &key,
            &zhili::demo::population::PopulationParams {
                seed: 3,
                now,
                people: 20_000,
            },
        );
        assert!(
            load.people.len() >= 15_000 && load.houses.len() > 5_000,
            "{} people",
            load.people.len()
        );
        assert!(!load.roles.is_empty() && !load.visits.is_empty());
        s.store
            .load_population(&Actor::system(), &load, now)
            .await
            .unwrap();
        let district = s.token("district-operator").await;
        let (_, all) = s.get("/api/v1/people?page_size=1", Some(&district)).await;
        assert_eq!(all["total"].as_u64(), Some(load.people.len() as u64));
        let overdue = load
            .roles
            .iter()
            .filter(|r| r.next_visit_due < zhili::now_ms())
            .count();
        assert!(overdue > 0, "some visits are missed in the demo");
        let (_, due) = s.get("/api/v1/visits/due?limit=1", Some(&district)).await;
        assert_eq!(due["total"].as_u64(), Some(overdue as u64));
        // Every demo ID number is valid, and found by its number.
        let first = &load.people[0].0;
        let number = key
            .open(&first.id_sealed, zhili::crypto::Sealed::PersonIdNumber)
            .unwrap();
        zhili_domain::id_number::parse(&number, (now + 8 * 3_600_000) / 86_400_000).unwrap();
        // (The server here holds another key, so the lookup goes to the store with this one.)
        let scope = zhili_domain::Scope::new(
            zhili_domain::RegionCode::parse("500114").unwrap(),
            zhili_domain::Role::DistrictOperator,
            None,
        );
        let filter = zhili_store::PeopleFilter {
            id_blinds: zhili::people::blind_ids(&key, &number),
            limit: 5,
            ..Default::default()
        };
        let (n, found) = s.store.list_people(&scope, &filter).await.unwrap();
        assert_eq!((n, found[0].person.name.as_str()), (1, first.name.as_str()));
        s
    })
    .await;
}

#[tokio::test]
async fn a_grid_worker_registers_a_household_and_a_key_person_and_visits() {
    on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let post = |path: &'static str, token: String, body: Value| {
                let s = &s;
                async move { s.post(path, Some(&token), Some("application/json"), body.to_string()).await }
            };
            // A house in the worker's grid.
            let p = deep_point("500114001001001");
            let (st, house) = post("/api/v1/houses", worker.clone(), json!({"code": "H-001", "address": "城东街道文汇社区1号", "grid_code": "500114001001001",
                "lon": p.x, "lat": p.y, "usage": "住宅", "rented": true})).await;
            assert_eq!(st, StatusCode::CREATED, "{house}");
            let (st, b) = post("/api/v1/houses", worker.clone(), json!({"code": "H-002", "address": "x", "grid_code": "500114001001001",
                "lon": 100.0, "lat": 20.0, "usage": "住宅"})).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // The contract: 201 with identifiers masked.
            let number = id_for((1986, 2, 28), 123);
            let (st, person) = post("/api/v1/people", worker.clone(), json!({"id_type": "111", "id_number": number, "name": "张三",
                "phone": "13800138000", "grid_code": "500114001001001", "population_type": "流动人口", "house_id": house["id"],
                "details": {"origin": "湖北省恩施州", "reason": "务工"}})).await;
            assert_eq!(st, StatusCode::CREATED, "{person}");
            assert_eq!(person["id_number"], format!("{}**************", &number[..4]));
            assert_eq!(person["phone"], "138****8000");
            // Unrevealed: the sex and a ten-year age band, never the birth date.
            assert_eq!((person["sex"].as_str(), person["birth_date"].as_str()), (Some("male"), None));
            assert!(person["age_band"].as_str().is_some_and(|b| b.ends_with('9')), "{person}");
            assert_eq!(person["population_type"], "floating");
            assert_eq!(person["house_address"], "城东街道文汇社区1号");
            let id = person["id"].as_i64().unwrap();

            // Refusals, each with its code and field.
            let mut wrong = number.clone().into_bytes();
            wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
            let (st, b) = post("/api/v1/people", worker.clone(), json!({"id_number": String::from_utf8(wrong).unwrap(), "name": "李四", "grid_code": "500114001001001"})).await;
            assert_error(st, &b, 422, "invalid_id_number");
            let (st, b) = post("/api/v1/people", worker.clone(), json!({"id_number": number, "name": "张三", "grid_code": "500114001001001"})).await;
            assert_error(st, &b, 409, "conflict");
            let (st, b) = post("/api/v1/people", worker.clone(), json!({"id_number": id_for((1990, 1, 1), 1), "name": "王五", "grid_code": "500114001001002"})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "grid_code");

            // Search: the exact number through the blind index, a name, an address; scoped.
            let (_, found) = s.get(&format!("/api/v1/people?q={number}"), Some(&worker)).await;
            assert_eq!((found["total"].as_i64(), found["items"][0]["id"].as_i64()), (Some(1), Some(id)));
            let (_, found) = s.get(&format!("/api/v1/people?q={}", number.to_lowercase()), Some(&worker)).await;
            assert_eq!(found["total"], 1, "an x check character is found in either case");
            let (_, found) = s.get("/api/v1/people?q=%E5%BC%A0", Some(&worker)).await;
            assert_eq!(found["total"], 1);
            let (_, found) = s.get("/api/v1/people?q=%E6%96%87%E6%B1%87", Some(&worker)).await;
            assert_eq!(found["total"], 1, "found by the house address");
            let other = s.token("town-500114002").await;
            let (_, none) = s.get(&format!("/api/v1/people?q={number}"), Some(&other)).await;
            assert_eq!(none["total"], 0);
            let (st, _) = s.get(&format!("/api/v1/people/{id}"), Some(&other)).await;
            assert_eq!(st, StatusCode::NOT_FOUND);
            let dept = s.token("dept-D01").await;
            let (st, b) = s.get("/api/v1/people", Some(&dept)).await;
            assert_error(st, &b, 403, "forbidden");

            // A key role, a late visit that leaves the person overdue, then a visit now.
            let (st, role) = post("/api/v1/people/{id}/key-roles".replace("{id}", &id.to_string()).leak(), worker.clone(),
                json!({"kind": "severe_mental_illness", "risk_level": 4})).await;
            assert_eq!(st, StatusCode::CREATED, "{role}");
            assert_eq!(role["visit_every_days"], 14);
            let (st, b) = post("/api/v1/people/{id}/key-roles".replace("{id}", &id.to_string()).leak(), worker.clone(),
                json!({"kind": "drug_user", "risk_level": 2})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            // Each group's own fields: community correction needs its type and start.
            let roles = "/api/v1/people/{id}/key-roles".replace("{id}", &id.to_string()).leak();
            let (st, b) = post(roles, worker.clone(), json!({"kind": "community_correction", "details": {"correction_type": "罚款"}})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let fields: Vec<&str> = b["details"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
            assert_eq!(fields, ["details.correction_type", "details.started_on"], "{b}");
            assert_eq!(b["message_zh"], "矫正类别应为管制、缓刑、假释、暂予监外执行之一");
            let (st, role) = post(roles, worker.clone(), json!({"kind": "community_correction", "details": {"correction_type": "缓刑", "started_on": "2026-01-05"}})).await;
            assert_eq!(st, StatusCode::CREATED, "{role}");
            let visits = format!("/api/v1/people/{id}/visits").leak();
            let twenty_days_ago = zhili_domain::time::rfc3339(zhili::now_ms() - 20 * 86_400_000);
            let (st, v) = post(visits, worker.clone(), json!({"kind": "severe_mental_illness", "at": twenty_days_ago, "place": "家中", "findings": "情绪稳定，按时服药"})).await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
            let (_, due) = s.get("/api/v1/visits/due", Some(&worker)).await;
            assert_eq!(due["total"], 1, "{due}");
            assert_eq!((due["items"][0]["person_id"].as_i64(), due["items"][0]["days_overdue"].as_i64()), (Some(id), Some(6)), "due 6 days ago");
            let (_, none) = s.get("/api/v1/visits/due", Some(&other)).await;
            assert_eq!(none["total"], 0);
            let leader = s.token("leader").await;
            // The warning on the dashboard, and an event opened from it.
            let village = s.token("village-500114001001").await;
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&village)).await;
            assert_eq!(sum["overdue_visits"], 1);
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&leader)).await;
            assert!(sum["overdue_visits"].is_null(), "not the leader's to see");
            let (st, ev) = post(format!("/api/v1/people/{id}/key-roles/severe_mental_illness/event").leak(), worker.clone(), json!({})).await;
            assert_eq!(st, StatusCode::CREATED, "{ev}");
            let (_, detail) = s.get(&format!("/api/v1/events/{}", ev["id"]), Some(&worker)).await;
            assert_eq!(detail["category"], "0904", "{detail}");
            assert!(detail["description"].as_str().unwrap().contains("走访超期6天"), "{detail}");
            assert_eq!((detail["links"][0]["kind"].as_str(), detail["links"][0]["id"].as_i64()), (Some("person"), Some(id)), "{detail}");
            assert!(detail["links"][0]["label"].as_str().unwrap().starts_with("张三 5001****"), "{detail}");
            // The person's events, through the link.
            let (_, theirs) = s.get(&format!("/api/v1/events?linked=person:{id}"), Some(&worker)).await;
            assert_eq!((theirs["total"].as_i64(), theirs["items"][0]["id"].as_i64()), (Some(1), ev["id"].as_i64()), "{theirs}");
            let (_, none) = s.get(&format!("/api/v1/events?linked=person:{}", id + 1), Some(&worker)).await;
            assert_eq!(none["total"], 0);
            let (st, b) = s.get("/api/v1/events?linked=person", Some(&worker)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, b) = post(format!("/api/v1/people/{id}/key-roles/drug_user/event").leak(), worker.clone(), json!({})).await;
            assert_error(st, &b, 404, "not_found");
            let (st, b) = s.get("/api/v1/visits/due", Some(&leader)).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, _) = post(visits, worker.clone(), json!({"kind": "severe_mental_illness", "place": "家中", "findings": "复诊已预约"})).await;
            assert_eq!(st, StatusCode::CREATED);
            let (_, due) = s.get("/api/v1/visits/due", Some(&worker)).await;
            assert_eq!(due["total"], 0);
            let (st, b) = post(visits, worker.clone(), json!({"kind": "key_youth", "place": "家中", "findings": "x"})).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // The person's page: masked; the full values with a reason, recorded; not for a leader.
            let (_, page) = s.get(&format!("/api/v1/people/{id}"), Some(&worker)).await;
            assert_eq!((page["revealed"].as_bool(), page["visits"].as_array().unwrap().len()), (Some(false), 2));
            let kinds: Vec<&str> = page["key_roles"].as_array().unwrap().iter().map(|k| k["kind"].as_str().unwrap()).collect();
            assert_eq!(kinds, ["community_correction", "severe_mental_illness"]);
            let (st, b) = s.get(&format!("/api/v1/people/{id}?reason="), Some(&worker)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, full) = s.get(&format!("/api/v1/people/{id}?reason=%E5%85%A5%E6%88%B7%E6%A0%B8%E5%AF%B9"), Some(&worker)).await;
            assert_eq!((full["id_number"].as_str(), full["phone"].as_str()), (Some(number.as_str()), Some("13800138000")));
            assert_eq!(full["birth_date"], "1986-02-28", "the birth date with the number");
            let (st, b) = s.get(&format!("/api/v1/people/{id}?reason=look"), Some(&leader)).await;
            assert_error(st, &b, 403, "forbidden");
            let (_, lead_view) = s.get(&format!("/api/v1/people/{id}"), Some(&leader)).await;
            assert!(lead_view["key_roles"].as_array().unwrap().is_empty(), "key groups are not the leader's to see");
            let actions = s.store.actions(0, 1_000_000).await.unwrap();
            let reveal = actions.iter().find(|a| a.action == "person.reveal").expect("the reveal is recorded");
            assert_eq!((reveal.actor.as_str(), reveal.subject.clone(), reveal.opinion.as_deref()),
                ("grid-500114001001001", format!("person:{id}"), Some("入户核对")));

            // No plain identity number or phone anywhere in the database.
            let text = database_text(&s.store).await;
            assert!(text.contains("张三"), "the check reads the data at all");
            assert!(!text.contains(&number), "the plain ID number is stored nowhere");
            assert!(!text.contains("13800138000"), "nor the plain phone");
            s
        })
        .await;
}

#[tokio::test]
async fn situations_are_read_up_to_each_roles_level_and_sensitive_reads_are_logged() {
    on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let post = |token: String, body: Value| {
                let s = &s;
                async move { s.post("/api/v1/situations", Some(&token), Some("application/json"), body.to_string()).await }
            };
            let (st, person) = s.post("/api/v1/people", Some(&worker), Some("application/json"), json!({"id_number": id_for((1970, 5, 1), 7),
                "name": "赵六", "grid_code": "500114001001001"}).to_string()).await;
            assert_eq!(st, StatusCode::CREATED, "{person}");
            let pid = person["id"].as_i64().unwrap();
            let (st, general) = post(worker.clone(), json!({"region_code": "500114001001001", "kind": "sentiment", "source": "visit",
                "title": "居民反映路灯不亮", "content": "文汇社区3栋门前路灯连续一周不亮，老人夜间出行不便。", "tags": ["民生诉求", " 民生诉求 "]})).await;
            assert_eq!(st, StatusCode::CREATED, "{general}");
            assert_eq!((general["tags"].as_array().unwrap().len(), general["sensitivity"].as_i64(), general["kind_label"].as_str()), (1, Some(1), Some("社情民意")));
            let (st, secret) = post(worker.clone(), json!({"region_code": "500114001001001", "kind": "stability", "source": "resident", "sensitivity": 3,
                "title": "拟集体上访苗头", "content": "赵六等人拟就征地补偿到区政府集体上访。", "tags": ["涉稳", "征地拆迁"],
                "links": [{"kind": "person", "id": pid}]})).await;
            assert_eq!(st, StatusCode::CREATED, "{secret}");
            assert_eq!(secret["links"][0]["label"].as_str().unwrap().split(' ').next(), Some("赵六"));
            let sid = secret["id"].as_i64().unwrap();

            // Refusals, each naming its field; what is outside the area is not found.
            for (body, field, status, code) in [
                (json!({"region_code": "500114002", "kind": "sentiment", "title": "t", "content": "c"}), "region_code", 404, "not_found"),
                (json!({"region_code": "500114001001001", "kind": "gossip", "title": "t", "content": "c"}), "kind", 422, "invalid_parameter"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "sensitivity": 4, "title": "t", "content": "c"}), "sensitivity", 422, "invalid_parameter"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": " ", "content": "c"}), "title", 422, "invalid_parameter"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": "t", "content": "c", "tags": ["a|b"]}), "tags", 422, "invalid_parameter"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": "t", "content": "c", "links": [{"kind": "person", "id": pid + 1000}]}), "links[0]", 404, "not_found"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": "t", "content": "c", "links": [{"kind": "planet", "id": 1}]}), "links[0]", 422, "invalid_parameter"),
            ] {
                let (st, b) = post(worker.clone(), body).await;
                assert_error(st, &b, status, code);
                assert_eq!(b["details"]["field"], field, "{b}");
            }
            let leader = s.token("leader").await;
            let (st, b) = post(leader.clone(), json!({"region_code": "500114", "kind": "sentiment", "title": "t", "content": "c"})).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, b) = s.get("/api/v1/situations", Some(&s.token("admin").await)).await;
            assert_error(st, &b, 403, "forbidden");

            // Who sees what: the village operator reads up to 内部, the commander everything
            // (the sensitive text only on the note's own page), the department only 一般, the
            // next town nothing; the author always their own.
            let list = |token: String, query: &'static str| {
                let s = &s;
                async move { s.get(&format!("/api/v1/situations{query}"), Some(&token)).await.1 }
            };
            let village = s.token("village-500114001001").await;
            assert_eq!(list(village.clone(), "").await["total"], 1);
            let mine = list(worker.clone(), "").await;
            assert_eq!(mine["total"], 2, "{mine}");
            let commander = s.token("district").await;
            let all = list(commander.clone(), "").await;
            assert_eq!(all["total"], 2);
            let listed = all["items"].as_array().unwrap().iter().find(|i| i["id"] == sid).unwrap();
            assert!(listed["content"].is_null(), "a sensitive note's text is not in lists: {listed}");
            assert_eq!(list(s.token("dept-D01").await, "").await["total"], 1);
            assert_eq!(list(s.token("town-500114002").await, "").await["total"], 0);
            assert_eq!(list(commander.clone(), "?tag=%E6%B6%89%E7%A8%B3").await["total"], 1, "by tag");
            assert_eq!(list(commander.clone(), "?q=%E8%B7%AF%E7%81%AF").await["total"], 1, "by text");
            assert_eq!(list(commander.clone(), "?kind=stability&sensitivity=3").await["total"], 1);
            let (st, b) = s.get("/api/v1/situations?linked=person:0", Some(&commander)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, linked) = s.get(&format!("/api/v1/situations?linked=person:{pid}"), Some(&commander)).await;
            assert_eq!((linked["total"].as_i64(), linked["items"][0]["id"].as_i64()), (Some(1), Some(sid)));
            let (st, b) = s.get(&format!("/api/v1/situations/{sid}"), Some(&village)).await;
            assert_error(st, &b, 404, "not_found");

            // Reading it in full is recorded: who, what, when — the author's own reads are not.
            let before = s.store.actions(0, 1_000_000).await.unwrap().iter().filter(|a| a.action == "situation.read").count();
            let (_, own) = s.get(&format!("/api/v1/situations/{sid}"), Some(&worker)).await;
            assert!(own["content"].as_str().unwrap().contains("集体上访"));
            let (st, full) = s.get(&format!("/api/v1/situations/{sid}"), Some(&commander)).await;
            assert_eq!(st, StatusCode::OK, "{full}");
            assert_eq!((full["content"].as_str().is_some(), full["links"].as_array().unwrap().len()), (true, 1));
            let actions = s.store.actions(0, 1_000_000).await.unwrap();
            let reads: Vec<_> = actions.iter().filter(|a| a.action == "situation.read").collect();
            assert_eq!((before, reads.len()), (0, 1));
            assert_eq!((reads[0].actor.as_str(), reads[0].subject.clone()), ("district", format!("situation:{sid}")));
            // The export withholds the sensitive text (read on the note's page, logged).
            let r = s.http.get(format!("{}/api/v1/export/situations?format=csv", s.base)).bearer_auth(&commander).send().await.unwrap();
            let text = r.text().await.unwrap();
            assert!(text.contains("拟集体上访苗头") && !text.contains("到区政府集体上访") && text.contains("路灯连续一周不亮"), "{text}");
            let (_, vocabulary) = s.get("/api/v1/situations/vocabulary", Some(&village)).await;
            assert_eq!((vocabulary["max_sensitivity"].as_i64(), vocabulary["kinds"].as_array().unwrap().len()), (Some(2), 5));
            s
        })
        .await;
}
