use super::residents::{id_for, resident_token};
use super::*;

const GRID: &str = "500114001001001";
/// An answer row as stored: id, person, taker, time.
type AnswerRow = (String, Option<i64>, Option<String>, Option<i64>);

const OTHER_TOWN_GRID: &str = "500114002001001";

/// Registers `n` people with phones in `grid` as its grid worker; their ids.
async fn register(s: &Server, grid: &str, n: u32, first_seq: u32) -> Vec<i64> {
    let worker = s.token(&format!("grid-{grid}")).await;
    let mut ids = Vec::new();
    for i in 0..n {
        let (status, p) = post_json(
            s,
            "/api/v1/people",
            &worker,
            json!({"id_number": id_for((1970 + i as i64, 5, 1), first_seq + i), "name": format!("受访{i}"),
                   "grid_code": grid, "population_type": "户籍人口", "phone": format!("1370000{:04}", first_seq + i)}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        ids.push(p["id"].as_i64().unwrap());
    }
    ids
}

fn security() -> Value {
    let mut t = Value::Null;
    for x in zhili::usecase::surveys::spec::templates() {
        if x.0 == "security" {
            t = serde_json::to_value(x.1).unwrap();
        }
    }
    t["sample_size"] = json!(40);
    t
}

async fn sheet_strings(s: &Server, token: &str, id: i64) -> (StatusCode, String) {
    use std::io::Read;
    let resp = s
        .http
        .get(format!("{}/api/v1/surveys/{id}/export", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    if status != StatusCode::OK {
        return (status, String::new());
    }
    let bytes = resp.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    (status, text)
}

#[tokio::test]
async fn a_round_is_answered_three_ways_once_per_person_and_published_with_margins() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let desk = s.token("district-operator").await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let other_town = s.token("town-500114002").await;
        let admin = s.token("admin").await;
        let here = register(&s, GRID, 6, 300).await;
        let there = register(&s, OTHER_TOWN_GRID, 3, 400).await;

        // The shipped questionnaires; a round drafted by the district centre only, checked whole.
        let (status, templates) = s.get("/api/v1/survey-templates", Some(&district)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(templates.as_array().unwrap().len(), 2);
        let (status, body) = post_json(&s, "/api/v1/surveys", &worker, security()).await;
        assert_error(status, &body, 403, "forbidden");
        let mut broken = security();
        broken["questions"][1]["shown_if"] = json!({"question": "score", "any_of": ["5"]});
        broken["headline"] = json!({"question": "advice", "label": "x", "good": ["a"]});
        broken["sample_size"] = json!(5);
        let (status, body) = post_json(&s, "/api/v1/surveys", &district, broken).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let fields: Vec<&str> = body["details"]["problems"].as_array().unwrap().iter().filter_map(|p| p["field"].as_str()).collect();
        for want in ["sample_size", "questions[1].condition", "headline"] {
            assert!(fields.contains(&want), "{want} in {body}");
        }
        let (status, round) = post_json(&s, "/api/v1/surveys", &district, security()).await;
        assert_eq!(status, StatusCode::CREATED, "{round}");
        assert_eq!((round["state"].as_str(), round["anonymous"].as_bool()), (Some("draft"), Some(true)));
        let id = round["id"].as_i64().unwrap();
        let answers_path = format!("/api/v1/surveys/{id}/answers");
        let safe = json!({"safe": "safe", "patrol": "often", "dispute": "no", "score": 4});
        let (status, body) = post_json(&s, &answers_path, &worker, json!({"mode": "door", "person_id": here[1], "answers": safe})).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = post_json(&s, &format!("/api/v1/surveys/{id}/publication"), &district, json!({})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, opened) = post_json(&s, &format!("/api/v1/surveys/{id}/opening"), &district, json!({})).await;
        assert_eq!((status, opened["state"].as_str()), (StatusCode::OK, Some("open")), "{opened}");

        // Online: a resident takes part only once linked to their registered person.
        let me = resident_token(&s, &admin, "13900002222").await;
        let (status, list) = s.get("/api/v1/resident/surveys", Some(&me)).await;
        assert_eq!((status, list.as_array().unwrap().len()), (StatusCode::OK, 0), "{list}");
        let (status, body) = post_json(&s, &format!("/api/v1/resident/surveys/{id}/answers"), &me, json!({"answers": safe})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, linked) = post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": id_for((1970, 5, 1), 300), "name": "受访0"})).await;
        assert_eq!(status, StatusCode::OK, "{linked}");
        let (status, list) = s.get("/api/v1/resident/surveys", Some(&me)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((list[0]["survey"]["id"].as_i64(), list[0]["answered"].as_bool()), (Some(id), Some(false)), "{list}");
        // A question the path skips takes no answer; a value of the wrong kind names its question.
        let (status, body) = post_json(&s, &format!("/api/v1/resident/surveys/{id}/answers"), &me,
            json!({"answers": {"safe": "safe", "worry": ["theft"], "patrol": "often", "dispute": "no", "score": 4}})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert!(body.to_string().contains("answers.worry"), "{body}");
        let (status, body) = post_json(&s, &format!("/api/v1/resident/surveys/{id}/answers"), &me, json!({"answers": {"safe": 3}})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let unsafe_sheet = json!({"safe": "unsafe", "worry": ["fraud", "theft"], "patrol": "never", "dispute": "yes", "resolved": "partly", "score": 2, "advice": "  夜间巡逻少  "});
        let (status, body) = post_json(&s, &format!("/api/v1/resident/surveys/{id}/answers"), &me, json!({"answers": unsafe_sheet})).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, body) = post_json(&s, &format!("/api/v1/resident/surveys/{id}/answers"), &me, json!({"answers": safe})).await;
        assert_error(status, &body, 409, "conflict");

        // At the door: the grid worker for people of their grid; the person who answered online
        // cannot answer again; a person of another town is not theirs.
        let (status, body) = post_json(&s, &answers_path, &worker, json!({"mode": "door", "person_id": here[1], "answers": safe})).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, body) = post_json(&s, &answers_path, &worker, json!({"mode": "door", "person_id": here[0], "answers": safe})).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = post_json(&s, &answers_path, &worker, json!({"mode": "door", "person_id": there[0], "answers": safe})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, &answers_path, &worker, json!({"mode": "phone", "person_id": here[2], "answers": safe})).await;
        assert_error(status, &body, 403, "forbidden");

        // By telephone: the desk draws someone who has not answered, with the number to call.
        let (status, drawn) = post_json(&s, &format!("/api/v1/surveys/{id}/draw"), &desk, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{drawn}");
        let person = drawn["respondent"]["person_id"].as_i64().unwrap();
        assert!(!here[..2].contains(&person), "someone who has not answered");
        assert!(drawn["respondent"]["phone"].as_str().unwrap().starts_with("1370000"), "{drawn}");
        let (status, body) = post_json(&s, &answers_path, &desk, json!({"mode": "phone", "person_id": person, "answers": safe})).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, body) = post_json(&s, &format!("/api/v1/surveys/{id}/draw"), &worker, json!({})).await;
        assert_error(status, &body, 403, "forbidden");

        // Anonymous: no answer row holds who answered, who took it or when; ids are random.
        let rows: Vec<AnswerRow> =
            sqlx::query_as("SELECT id, person_id, taken_by, taken_at FROM survey_answers")
                .fetch_all(s.store.pool())
                .await
                .unwrap();
        assert_eq!(rows.len(), 3);
        for (answer, person, by, at) in &rows {
            assert_eq!((person, by, at), (&None, &None, &None));
            assert_eq!(answer.len(), 32);
        }

        // The results: three answers weighted by population, each mode counted, too small to
        // rely on; another town's centre reads its own town, and nothing outside it.
        let (status, r) = s.get(&format!("/api/v1/surveys/{id}/results"), Some(&district)).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!((r["answered"].as_i64(), r["headline"]["too_small"].as_bool()), (Some(3), Some(true)), "{r}");
        assert!(r["quota"].as_i64().unwrap() >= 40);
        // Two of three feel safe; whichever grid the telephone answer came from, the grids'
        // populations (six and three) weigh it to two thirds.
        let share = r["headline"]["share"].as_f64().unwrap();
        assert!((share - 2.0 / 3.0).abs() < 0.01, "{r}");
        assert!(r["headline"]["margin"].as_f64().unwrap() > 0.0);
        let modes: Vec<i64> = r["by_mode"].as_array().unwrap().iter().map(|m| m["answered"].as_i64().unwrap()).collect();
        assert_eq!(modes, vec![1, 1, 1]);
        let worry = r["questions"].as_array().unwrap().iter().find(|q| q["key"] == "worry").unwrap();
        assert_eq!(worry["answered"], 1, "asked of the one who felt unsafe");
        let towns = r["areas"].as_array().unwrap();
        assert!(towns.iter().any(|a| a["region_code"] == "500114001" && a["too_small"] == true));
        assert_eq!(towns.iter().map(|a| a["answered"].as_i64().unwrap()).sum::<i64>(), 3);
        let (status, theirs) = s.get(&format!("/api/v1/surveys/{id}/results"), Some(&other_town)).await;
        let in_their_town = towns.iter().find(|a| a["region_code"] == "500114002").map_or(0, |a| a["answered"].as_i64().unwrap());
        assert_eq!((status, theirs["answered"].as_i64(), theirs["region_code"].as_str()), (StatusCode::OK, Some(in_their_town), Some("500114002")));
        let (status, body) = s.get(&format!("/api/v1/surveys/{id}/results?region_code=500114001"), Some(&other_town)).await;
        assert_error(status, &body, 404, "not_found");

        // The sheet: the same columns whatever the path; a skipped question says so.
        let (status, strings) = sheet_strings(&s, &district, id).await;
        assert_eq!(status, StatusCode::OK);
        for want in ["群众安全感测评", "让您感到不安全的主要是哪些问题？（可多选）：盗窃", "（未显示）", "夜间巡逻少", "网上填答", "入户调查", "电话访问", "样本不足"] {
            assert!(strings.contains(want), "the sheet says {want}");
        }
        assert!(!strings.contains("受访人编号"), "an anonymous sheet names nobody");
        assert_eq!(sheet_strings(&s, &worker, id).await.0, StatusCode::FORBIDDEN);

        // Closed, then published: the frozen results reach the resident; no more answers.
        let (status, _) = post_json(&s, &format!("/api/v1/surveys/{id}/closing"), &district, json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = post_json(&s, &answers_path, &worker, json!({"mode": "door", "person_id": here[3], "answers": safe})).await;
        assert_error(status, &body, 409, "conflict");
        let (status, published) = post_json(&s, &format!("/api/v1/surveys/{id}/publication"), &district, json!({})).await;
        assert_eq!((status, published["state"].as_str()), (StatusCode::OK, Some("published")));
        let (status, mine) = s.get(&format!("/api/v1/resident/surveys/{id}"), Some(&me)).await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert_eq!((mine["answered"].as_bool(), mine["results"]["answered"].as_i64()), (Some(true), Some(3)), "{mine}");
        assert_eq!(mine["results"]["headline"]["label"], "群众安全感");
        let (status, _) = s.get(&format!("/api/v1/resident/surveys/{id}"), Some(&district)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a staff token opens no resident door");

        // A named round keeps who answered and who took it.
        let mut named = security();
        named["anonymous"] = json!(false);
        let (_, round) = post_json(&s, "/api/v1/surveys", &district, named).await;
        let named_id = round["id"].as_i64().unwrap();
        post_json(&s, &format!("/api/v1/surveys/{named_id}/opening"), &district, json!({})).await;
        let (status, _) = post_json(&s, &format!("/api/v1/surveys/{named_id}/answers"), &worker, json!({"mode": "door", "person_id": here[0], "answers": safe})).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "answering one round does not answer another");
        let (status, strings) = sheet_strings(&s, &district, named_id).await;
        assert_eq!(status, StatusCode::OK);
        assert!(strings.contains("受访人编号") && strings.contains(&format!("grid-{GRID}")), "the taker is named");

        // Every round's moves are in the record.
        let actions = s.store.actions_of(&format!("survey:{id}")).await.unwrap();
        let names: Vec<&str> = actions.iter().map(|a| a.action.as_str()).collect();
        for want in ["survey.create", "survey.open", "survey.answer", "survey.close", "survey.publish", "survey.export"] {
            assert!(names.contains(&want), "{want} in {names:?}");
        }
        s
    })
    .await;
}
