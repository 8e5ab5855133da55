use super::*;

pub(crate) const PHOTO: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");

fn leader(name: &str) -> Value {
    json!({"name": name, "title": "区委常委"})
}

/// A small "1+1+1+1" organisation: task force T01 led by 城管 (D09).
pub(crate) fn organisation() -> Value {
    json!({
        "office": "区委政法委（试点办）",
        "office_members": [{"name": "王试点", "title": "试点办主任", "username": "pilot"}],
        "groups": [
            {"code": "L", "kind": "leading_group", "name": "试点工作领导小组", "leader": leader("区委书记")},
            {"code": "W1", "kind": "working_group", "name": "智治支撑工作组", "parent": "L",
             "leader": {"name": "张明", "title": "副区长", "username": "district"}},
            {"code": "T01", "kind": "task_force", "name": "城市管理专班", "parent": "W1", "leader": leader("城管局长"),
             "lead_unit": "D09", "units": ["D09", "C500114001"]},
            {"code": "U-D09", "kind": "unit_group", "name": "城管局试点领导小组", "parent": "T01", "leader": leader("城管局长"),
             "lead_unit": "D09"}
        ]
    })
}

/// The current year (as China counts it two days ago, so a test run on New Year's Day still
/// has a past in the year) and days in it.
async fn commander_of(s: &Server) -> String {
    s.token("district").await
}

fn year_and_days() -> (i64, String, String) {
    let today = zhili_domain::calendar::china_day(zhili::now_ms()) - 2;
    let (year, _, _) = zhili_domain::time::civil_from_days(today);
    let first = zhili_domain::time::days_from_civil(year, 1, 1);
    let past = zhili_domain::calendar::date_string(today.max(first));
    (year, past, format!("{year}-12-31"))
}

#[tokio::test]
async fn the_pilot_office_plans_a_target_the_units_report_and_a_late_milestone_warns() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    on_every_backend(|s| async move {
        let pilot = s.token("pilot").await;
        let town = s.token("town-500114001").await;
        let d09 = s.token("dept-D09").await;
        let d01 = s.token("dept-D01").await;
        let grid = s.token("grid-500114001001001").await;
        let village = s.token("village-500114001001").await;
        let (year, past, last) = year_and_days();

        // The organisation: checked level by level; only the pilot office keeps it.
        let (status, none) = s.get("/api/v1/pilot/organisation", Some(&pilot)).await;
        assert_eq!((status, none["version"].as_i64()), (StatusCode::OK, Some(0)));
        let mut wrong = organisation();
        wrong["groups"][2]["parent"] = json!("L");
        let (status, body) = s.post_put("/api/v1/pilot/organisation", Some(&pilot), wrong.to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "groups[2].parent", "{body}");
        let (status, body) = s.post_put("/api/v1/pilot/organisation", Some(&town), organisation().to_string()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, org) = s.post_put("/api/v1/pilot/organisation", Some(&pilot), organisation().to_string()).await;
        assert_eq!(status, StatusCode::OK, "{org}");
        assert_eq!((org["version"].as_i64(), org["shape"].clone()), (Some(1), json!([1, 1, 1, 1])));
        assert_eq!(org["unit_names"]["D09"], "黔江区城市管理局", "{org}");

        // A task under the task force; its code once a year.
        let task = json!({"year": year, "code": "K001", "title": "推进城市管理进社区", "task_force": "T01"});
        let (status, t) = post_json(&s, "/api/v1/pilot/tasks", &pilot, task.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        let task_id = t["id"].as_i64().unwrap();
        let (status, body) = post_json(&s, "/api/v1/pilot/tasks", &pilot, task).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = post_json(&s, "/api/v1/pilot/tasks", &pilot,
            json!({"year": year, "code": "K002", "title": "无专班", "task_force": "W1"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "task_force");

        // A target: lead 城管, partner the town; one milestone already past, one scheduled back.
        let target = json!({"task_id": task_id, "title": "城市管理进社区全覆盖", "lead_unit": "D09",
            "partners": ["C500114001"], "weight": 2, "due": last,
            "milestones": [{"title": "制定方案", "due": past, "weight": 1},
                           {"title": "全面验收", "working_days_before": 0, "weight": 2}]});
        for (edit, field) in [
            (json!({"due": format!("{}-01-05", year + 1)}), "due"),
            (json!({"partners": ["D09"]}), "partners[0]"),
            (json!({"lead_unit": "D77"}), "lead_unit"),
            (json!({"milestones": [{"title": "晚", "due": format!("{}-01-02", year + 1), "weight": 1}]}), "milestones[0].due"),
        ] {
            let mut bad = target.clone();
            for (k, v) in edit.as_object().unwrap() {
                bad[k] = v.clone();
            }
            let (status, body) = post_json(&s, "/api/v1/pilot/targets", &pilot, bad).await;
            assert_error(status, &body, 422, "invalid_parameter");
            assert_eq!(body["details"]["field"], field, "{body}");
        }
        let (status, body) = post_json(&s, "/api/v1/pilot/targets", &d09, target.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, created) = post_json(&s, "/api/v1/pilot/targets", &pilot, target).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().unwrap();
        assert_eq!((created["state"].as_str(), created["light"].as_str()), (Some("late"), Some("red")), "{created}");
        assert_eq!(created["milestones"][0]["state"], "late");
        assert_eq!(created["partner_names"][0], "城东街道综治中心", "{created}");
        assert_eq!(created["milestones"][1]["due"].as_str().map(|d| d <= last.as_str()), Some(true));

        // Each unit reads its own targets; another unit's reads as absent; a grid worker none.
        let path = format!("/api/v1/pilot/targets/{id}");
        let (status, mine) = s.get(&path, Some(&d09)).await;
        assert_eq!((status, mine["my_part"].as_str()), (StatusCode::OK, Some("lead")));
        let (status, theirs) = s.get(&path, Some(&town)).await;
        assert_eq!((status, theirs["my_part"].as_str()), (StatusCode::OK, Some("partner")));
        let (status, body) = s.get(&path, Some(&d01)).await;
        assert_error(status, &body, 404, "not_found");
        let (_, list) = s.get(&format!("/api/v1/pilot/targets?year={year}"), Some(&d01)).await;
        assert_eq!(list.as_array().map(Vec::len), Some(0));
        let (status, body) = s.get(&format!("/api/v1/pilot/targets?year={year}"), Some(&grid)).await;
        assert_error(status, &body, 403, "forbidden");

        // The late milestone warns the owners and the pilot office.
        for token in [&pilot, &d09, &town] {
            let (status, o) = s.get(&format!("/api/v1/pilot/overview?year={year}"), Some(token)).await;
            assert_eq!(status, StatusCode::OK, "{o}");
            assert_eq!(o["targets"], 1);
            assert_eq!((o["warnings"][0]["light"].as_str(), o["warnings"][0]["milestone"].as_str()), (Some("red"), Some("制定方案")), "{o}");
        }
        let (_, o) = s.get(&format!("/api/v1/pilot/overview?year={year}"), Some(&d01)).await;
        assert_eq!((o["targets"].as_i64(), o["warnings"].as_array().map(Vec::len)), (Some(0), Some(0)));

        // Progress: a partner reports what it did with an event it reads as evidence; it may
        // not move the percentage; the lead does and completes the milestone; a stale read is 409.
        let p = deep_point("500114001001001");
        let (status, e) = post_json(&s, "/api/v1/events", &village,
            json!({"channel": "grid_patrol", "category": "0102", "description": "社区城管服务点接待群众",
                   "location": {"lon": p.x, "lat": p.y}})).await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        let event = e["id"].as_i64().unwrap();
        let report = format!("{path}/progress");
        let version = theirs["version"].as_i64().unwrap();
        let (status, body) = post_json(&s, &report, &town,
            json!({"version": version, "note": "配合完成", "percent": 50})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "percent");
        let (status, body) = post_json(&s, &report, &d01, json!({"version": version, "note": "不是我的"})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, &report, &d09,
            json!({"version": version, "note": "证据", "links": [{"kind": "event", "id": event}]})).await;
        assert_error(status, &body, 404, "not_found");
        assert_eq!(body["details"]["field"], "links[0]", "the lead department cannot read the town's event");
        let (status, after) = post_json(&s, &report, &town,
            json!({"version": version, "note": "街道已设立城管服务点", "links": [{"kind": "event", "id": event}]})).await;
        assert_eq!(status, StatusCode::OK, "{after}");
        let (status, body) = post_json(&s, &report, &d09,
            json!({"version": version, "note": "旧版本", "percent": 10})).await;
        assert_error(status, &body, 409, "conflict");
        // The lead's photo of the evidence: the office and the partner read it with the
        // target; a unit outside the target does not.
        let (status, photo) = s.post("/api/v1/attachments", Some(&d09), Some("image/jpeg"), PHOTO.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{photo}");
        let photo = photo["id"].as_str().unwrap().to_string();
        let (status, after) = post_json(&s, &report, &d09,
            json!({"version": after["version"], "note": "方案已印发", "percent": 60, "milestones_done": [0], "photos": [photo]})).await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!((after["percent"].as_f64(), after["milestones"][0]["state"].as_str()), (Some(60.0), Some("done_late")), "{after}");
        let (status, body) = post_json(&s, &report, &d09,
            json!({"version": after["version"], "note": "再报", "milestones_done": [0]})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "milestones_done[0]");

        let see = |token: String| {
            let (s, photo) = (&s, &photo);
            async move { s.http.get(format!("{}/api/v1/attachments/{photo}", s.base)).bearer_auth(token).send().await.unwrap().status() }
        };
        assert_eq!(see(pilot.clone()).await, StatusCode::OK);
        assert_eq!(see(town.clone()).await, StatusCode::OK);
        assert_eq!(see(d01.clone()).await, StatusCode::NOT_FOUND);
        let (status, reports) = s.get(&report, Some(&pilot)).await;
        assert_eq!(status, StatusCode::OK, "{reports}");
        let reports = reports.as_array().unwrap();
        assert_eq!(reports.len(), 2);
        assert_eq!((reports[0]["unit"].as_str(), reports[0]["percent"].as_f64()), (Some("D09"), Some(60.0)));
        assert_eq!(reports[1]["links"][0]["kind"], "event");
        assert!(reports[1]["links"][0]["label"].as_str().unwrap().contains("0102"), "{}", reports[1]);

        // The plan feeds the assessment: the pilot office keeps a scheme that reads it, and the
        // lead's sheet shows its completion (its one target at 60 %) with where it came from.
        let scheme = json!({"name": "部门考核", "lead_share": 1.0, "partner_share": 0.5, "items": [
            {"code": "A", "name": "目标任务", "points": 100, "parent": null, "rule": null},
            {"code": "A1", "name": "完成率", "points": 60, "parent": "A",
             "rule": {"kind": "proportional", "figure": "target_completion", "zero_at": 0, "full_at": 100}},
            {"code": "A2", "name": "节点", "points": 40, "parent": "A",
             "rule": {"kind": "deduct", "figure": "late_milestones", "per": 5, "cap": 40}}]});
        let (status, body) = s.post_put(&format!("/api/v1/assessment/schemes/{year}/departments"), Some(&pilot), scheme.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, scores) = s.get(&format!("/api/v1/assessment/scores?year={year}&group=departments"), Some(&pilot)).await;
        assert_eq!(status, StatusCode::OK, "{scores}");
        let sheet = scores["units"].as_array().unwrap().iter().find(|u| u["unit"] == "D09").unwrap();
        let line = |code: &str| sheet["lines"].as_array().unwrap().iter().find(|l| l["code"] == code).unwrap().clone();
        assert_eq!(line("A1")["value"].as_f64(), Some(60.0), "{sheet}");
        assert!(line("A1")["source"].as_str().unwrap().contains("牵头目标任务 1 项"), "{sheet}");
        assert_eq!(line("A1")["score"].as_f64(), Some(36.0));

        // A quarterly inspection: its finding becomes the unit's rectification, a target it
        // reads and reports on; another unit sees no inspection; a day outside the quarter is 422.
        let held = zhili_domain::time::parse_date(&past).unwrap();
        let quarter = zhili_domain::assess::inspection::quarter_of(held);
        let due = zhili_domain::calendar::date_string(held + 30);
        let inspection = json!({"year": year, "quarter": quarter, "title": format!("第{quarter}季度督查"), "held_on": past,
            "inspectors": "试点办、区委督查室", "summary": "对各专班目标任务推进情况进行督查",
            "findings": [{"text": "社区城管服务点台账不全", "unit": "D09", "due": due}]});
        let mut wrong = inspection.clone();
        wrong["quarter"] = json!(quarter % 4 + 1);
        let (status, body) = post_json(&s, "/api/v1/pilot/inspections", &pilot, wrong).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "held_on", "{body}");
        let (status, body) = post_json(&s, "/api/v1/pilot/inspections", &d09, inspection.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, done) = post_json(&s, "/api/v1/pilot/inspections", &pilot, inspection).await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
        assert_eq!(done["rectifications"][0]["lead_unit"], "D09", "{done}");
        assert_eq!(done["rectifications"][0]["due"].as_str(), Some(due.as_str()));
        let (_, theirs) = s.get(&format!("/api/v1/pilot/inspections?year={year}"), Some(&d09)).await;
        assert_eq!(theirs[0]["rectifications"][0]["my_part"], "lead", "{theirs}");
        let (_, none) = s.get(&format!("/api/v1/pilot/inspections?year={year}"), Some(&d01)).await;
        assert_eq!(none.as_array().map(Vec::len), Some(0));
        let (_, o) = s.get(&format!("/api/v1/pilot/overview?year={year}"), Some(&pilot)).await;
        assert!(o["task_forces"].as_array().unwrap().iter().any(|f| f["name"] == "督查整改与会议议定事项" && f["targets"] == 1), "{o}");

        // A work meeting chaired by the leader: its decision charges 城管; the chair's account
        // must exist; a unit sees the meetings that charge it.
        let meeting = json!({"year": year, "title": "试点工作调度会", "held_on": past, "chair": "张明（副区长）",
            "chair_username": "district", "attendees": "各专班牵头单位负责人", "minutes": "听取进展汇报，研究部署下步工作",
            "decisions": [{"text": "服务点验收前完成台账补齐", "unit": "D09", "due": due}]});
        let mut wrong = meeting.clone();
        wrong["chair_username"] = json!("nobody");
        let (status, body) = post_json(&s, "/api/v1/pilot/meetings", &pilot, wrong).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "chair_username", "{body}");
        let (status, body) = post_json(&s, "/api/v1/pilot/meetings", &d09, meeting.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, held) = post_json(&s, "/api/v1/pilot/meetings", &pilot, meeting).await;
        assert_eq!(status, StatusCode::CREATED, "{held}");
        assert_eq!((held["decisions"][0]["lead_unit"].as_str(), held["chair_username"].as_str()), (Some("D09"), Some("district")), "{held}");
        let (_, theirs) = s.get(&format!("/api/v1/pilot/meetings?year={year}"), Some(&d09)).await;
        assert_eq!(theirs[0]["decisions"][0]["my_part"], "lead", "{theirs}");
        let (_, none) = s.get(&format!("/api/v1/pilot/meetings?year={year}"), Some(&d01)).await;
        assert_eq!(none.as_array().map(Vec::len), Some(0));
        let (_, inspections) = s.get(&format!("/api/v1/pilot/inspections?year={year}"), Some(&pilot)).await;
        assert_eq!(inspections.as_array().map(Vec::len), Some(1), "a meeting is not an inspection");

        // Published: the departments' scores frozen; the scheme and the year's plan closed; the
        // 平安建设 sheet carries 40% of each total.
        let publish = json!({"year": year, "group": "departments"});
        let (status, body) = post_json(&s, "/api/v1/assessment/publish", &d09, publish.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, published) = post_json(&s, "/api/v1/assessment/publish", &pilot, publish.clone()).await;
        assert_eq!(status, StatusCode::OK, "{published}");
        assert_eq!(published["published_by"], "pilot");
        let (status, body) = post_json(&s, "/api/v1/assessment/publish", &pilot, publish).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = s.post_put(&format!("/api/v1/assessment/schemes/{year}/departments"), Some(&pilot), scheme.to_string()).await;
        assert_error(status, &body, 409, "conflict");
        let (_, now) = s.get(&path, Some(&d09)).await;
        let (status, body) = post_json(&s, &report, &d09, json!({"version": now["version"], "note": "发布后再报", "percent": 90})).await;
        assert_error(status, &body, 409, "conflict");
        let (_, frozen) = s.get(&format!("/api/v1/assessment/scores?year={year}&group=departments"), Some(&commander_of(&s).await)).await;
        assert_eq!((frozen["published_by"].as_str(), frozen["units"].as_array().map(Vec::len)), (Some("pilot"), Some(26)));
        let resp = s.http.get(format!("{}/api/v1/assessment/export?year={year}", s.base)).bearer_auth(&pilot).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"), "named in Chinese");
        let bytes = resp.bytes().await.unwrap();
        let strings = {
            use std::io::Read;
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let mut text = String::new();
            zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut text).unwrap();
            text
        };
        for want in ["计入平安建设考核得分（×40%）", " 发布", "黔江区城市管理局", "未发布：按当前记录测算"] {
            assert!(strings.contains(want), "the sheet says {want}");
        }

        // The leader's record: what the task forces under them did, what inspections found in
        // their units, their units' standing; the 述职 drafted from it. Theirs and the office's.
        let (status, leaders) = s.get("/api/v1/pilot/leaders", Some(&pilot)).await;
        assert_eq!(status, StatusCode::OK, "{leaders}");
        assert_eq!((leaders[0]["username"].as_str(), leaders[0]["groups"][0]["code"].as_str()), (Some("district"), Some("W1")));
        let (status, record) = s.get(&format!("/api/v1/pilot/leaders/district/record?year={year}"), Some(&pilot)).await;
        assert_eq!(status, StatusCode::OK, "{record}");
        assert_eq!(record["targets"].as_array().map(Vec::len), Some(1), "{record}");
        assert_eq!((record["inspections"][0]["found"].as_u64(), record["name"].as_str()), (Some(1), Some("张明")));
        assert_eq!((record["chaired"].as_array().map(Vec::len), record["inspections"].as_array().map(Vec::len)), (Some(1), Some(1)), "{record}");
        assert!(record["standings"].as_array().unwrap().iter().any(|u| u["unit"] == "D09"), "{record}");
        let (status, body) = s.get(&format!("/api/v1/pilot/leaders/district/record?year={year}"), Some(&d09)).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.get(&format!("/api/v1/pilot/leaders/dept-D01/record?year={year}"), Some(&pilot)).await;
        assert_error(status, &body, 404, "not_found");
        let resp = s.http.get(format!("{}/api/v1/pilot/leaders/district/report?year={year}", s.base)).bearer_auth(&pilot).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let text = zhili::docx::text_of(&resp.bytes().await.unwrap()).unwrap();
        for want in ["年度平安建设述职报告", "张明", "城市管理进社区全覆盖", "发现分管领域问题 1 个", "黔江区城市管理局", "主持试点工作例会 1 次，议定事项 1 项"] {
            assert!(text.contains(want), "the report says {want}: {text}");
        }

        // Every change is in the record.
        let actions = s.store.actions(0, 100_000).await.unwrap();
        let kinds: Vec<&str> = actions.iter().map(|a| a.action.as_str()).filter(|a| a.starts_with("pilot.")).collect();
        assert_eq!(kinds, ["pilot.organisation", "pilot.task.add", "pilot.target.add", "pilot.target.progress", "pilot.target.progress", "pilot.inspection.record", "pilot.meeting.record"]);
        assert!(actions.iter().any(|a| a.action == "assessment.publish" && a.actor == "pilot"));
        s
    })
    .await;
}
