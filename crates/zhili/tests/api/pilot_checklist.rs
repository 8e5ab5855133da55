use super::*;

#[tokio::test]
async fn the_checklist_is_claimed_by_the_lead_unit_and_reviewed_by_the_office() {
    on_every_backend(|s| async move {
        let pilot = s.token("pilot").await;
        let d01 = s.token("dept-D01").await;
        let d09 = s.token("dept-D09").await;
        let grid = s.token("grid-500114001001001").await;

        // The whole list for the office, nothing reviewed yet; a unit sees the tasks it leads.
        let (status, all) = s.get("/api/v1/pilot/checklist", Some(&pilot)).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        assert_eq!(all["shape"], json!([17, 41, 88, 14]));
        assert_eq!((all["readiness"]["total"].as_u64(), all["readiness"]["ready"].as_bool()), (Some(102), Some(false)));
        assert_eq!(all["tasks"].as_array().map(Vec::len), Some(18), "17 tasks and the regional items");
        let (_, own) = s.get("/api/v1/pilot/checklist", Some(&d01)).await;
        let codes: Vec<&str> = own["tasks"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["06", "07", "10", "15"], "公安 leads these");
        let (status, body) = s.get("/api/v1/pilot/checklist", Some(&grid)).await;
        assert_error(status, &body, 403, "forbidden");

        // The lead unit claims with a note; another unit may not; bad input is named.
        let claim = json!({"version": 0, "claim": "met", "note": "全区视频监控重点公共区域覆盖率 100%，附验收报告"});
        let (status, body) = s.post_put("/api/v1/pilot/checklist/07.1.2/claim", Some(&d09), claim.to_string()).await;
        assert_error(status, &body, 403, "forbidden");
        let leader = s.token("leader").await;
        let (status, body) = s.post_put("/api/v1/pilot/checklist/01.1.1/claim", Some(&leader), claim.to_string()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.post_put("/api/v1/pilot/checklist/99.9.9/claim", Some(&d01), claim.to_string()).await;
        assert_error(status, &body, 404, "not_found");
        let mut bad = claim.clone();
        bad["claim"] = json!("great");
        let (status, body) = s.post_put("/api/v1/pilot/checklist/07.1.2/claim", Some(&d01), bad.to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "claim");
        let (status, claimed) = s.post_put("/api/v1/pilot/checklist/07.1.2/claim", Some(&d01), claim.to_string()).await;
        assert_eq!((status, claimed["version"].as_i64()), (StatusCode::OK, Some(1)), "{claimed}");
        let (status, body) = s.post_put("/api/v1/pilot/checklist/07.1.2/claim", Some(&d01), claim.to_string()).await;
        assert_error(status, &body, 409, "conflict");

        // The office reviews what is claimed, at the version read.
        let verdict = json!({"version": 1, "verdict": "met", "note": "现场抽查 12 个点位，符合要求"});
        let (status, body) = s.post_put("/api/v1/pilot/checklist/07.1.2/verdict", Some(&d01), verdict.to_string()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.post_put("/api/v1/pilot/checklist/07.1.1/verdict", Some(&pilot), verdict.to_string()).await;
        assert_error(status, &body, 409, "conflict");
        let (status, reviewed) = s.post_put("/api/v1/pilot/checklist/07.1.2/verdict", Some(&pilot), verdict.to_string()).await;
        assert_eq!((status, reviewed["verdict"].as_str()), (StatusCode::OK, Some("met")), "{reviewed}");
        let (_, all) = s.get("/api/v1/pilot/checklist", Some(&pilot)).await;
        assert_eq!((all["readiness"]["claimed"].as_u64(), all["readiness"]["met"].as_u64()), (Some(1), Some(1)));
        let task = all["tasks"].as_array().unwrap().iter().find(|t| t["code"] == "07").unwrap();
        let req = &task["subtasks"][0]["requirements"][1];
        assert_eq!((req["code"].as_str(), req["lead_name"].as_str(), req["verdict"].as_str()), (Some("07.1.2"), Some("黔江区公安分局"), Some("met")), "{req}");

        // The checklist as filed for acceptance: the claim and the verdict on their line.
        let resp = s.http.get(format!("{}/api/v1/pilot/checklist/export", s.base)).bearer_auth(&pilot).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let strings = {
            use std::io::Read;
            let bytes = resp.bytes().await.unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let mut text = String::new();
            zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut text).unwrap();
            text
        };
        for want in ["07.1.2", "黔江区公安分局", "现场抽查 12 个点位，符合要求", "尚不具备复核验收条件"] {
            assert!(strings.contains(want), "the sheet says {want}");
        }
        let resp = s.http.get(format!("{}/api/v1/pilot/checklist/export", s.base)).bearer_auth(&grid).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);

        let actions = s.store.actions(0, 100_000).await.unwrap();
        let kinds: Vec<&str> = actions.iter().map(|a| a.action.as_str()).filter(|a| a.starts_with("pilot.checklist")).collect();
        assert_eq!(kinds, ["pilot.checklist.claim", "pilot.checklist.verdict"]);
        s
    })
    .await;
}
