use super::*;

const JPEG: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");

/// The test organisation with the seed's programmes and site quotas.
fn organisation_with_programmes() -> Value {
    let mut org = super::pilot::organisation();
    org["programmes"] = json!([
        {"code": "P1", "name": "党建引领工程"},
        {"code": "P5", "name": "多元调解工程"},
        {"code": "P6", "name": "平安细胞工程"}
    ]);
    org["site_quotas"] = json!([
        {"level": "district", "count": 3},
        {"level": "unit", "count": 30},
        {"level": "village", "count": 50}
    ]);
    org
}

#[tokio::test]
async fn sites_are_set_up_by_the_office_applied_for_by_their_host_and_named_or_returned() {
    on_every_backend(|s| async move {
        let pilot = s.token("pilot").await;
        let town = s.token("town-500114001").await;
        let other = s.token("town-500114002").await;
        let d09 = s.token("dept-D09").await;
        let leader = s.token("leader").await;
        let grid = s.token("grid-500114001001001").await;

        // Programmes and quotas belong to the organisation, checked with it.
        let mut twice = organisation_with_programmes();
        twice["site_quotas"][1]["level"] = json!("district");
        let (status, body) = s.post_put("/api/v1/pilot/organisation", Some(&pilot), twice.to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "site_quotas[1].level");
        let (status, org) = s.post_put("/api/v1/pilot/organisation", Some(&pilot), organisation_with_programmes().to_string()).await;
        assert_eq!(status, StatusCode::OK, "{org}");
        assert_eq!(org["organisation"]["programmes"][1]["name"], "多元调解工程");

        // A village site names its village; the host is the town that answers for it.
        let site = json!({"code": "SF-V-01", "name": "册山村“五乐社区”示范点", "level": "village", "programme": "P6",
            "host_unit": "C500114001", "region": "500114001001", "due": "2099-12-31", "description": "五乐社区创建全覆盖"});
        let (status, body) = post_json(&s, "/api/v1/pilot/sites", &town, site.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        for (field, value) in [("region", json!("500114001")), ("region", Value::Null), ("programme", json!("P9")),
                               ("host_unit", json!("D99")), ("due", json!("2026-13-01")), ("level", json!("province"))] {
            let mut bad = site.clone();
            bad[field] = value;
            let (status, body) = post_json(&s, "/api/v1/pilot/sites", &pilot, bad).await;
            assert_error(status, &body, 422, "invalid_parameter");
            assert_eq!(body["details"]["field"], field, "{body}");
        }
        let (status, made) = post_json(&s, "/api/v1/pilot/sites", &pilot, site.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!((made["status"].as_str(), made["programme_name"].as_str(), made["version"].as_i64()), (Some("cultivating"), Some("平安细胞工程"), Some(1)));
        assert!(made["region_name"].as_str().is_some_and(|n| !n.is_empty()), "{made}");
        let (status, body) = post_json(&s, "/api/v1/pilot/sites", &pilot, site.clone()).await;
        assert_error(status, &body, 409, "conflict");
        let mut unit_site = site.clone();
        unit_site["code"] = json!("SF-U-01");
        unit_site["level"] = json!("unit");
        unit_site["host_unit"] = json!("D09");
        unit_site["region"] = Value::Null;
        let (status, _) = post_json(&s, "/api/v1/pilot/sites", &pilot, unit_site).await;
        assert_eq!(status, StatusCode::CREATED);

        // Each sees what it hosts; the district all; a village or grid none.
        let (_, all) = s.get("/api/v1/pilot/sites", Some(&leader)).await;
        assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
        let village = all["levels"].as_array().unwrap().iter().find(|l| l["level"] == "village").unwrap();
        assert_eq!((village["quota"].as_u64(), village["sites"].as_u64(), village["named"].as_u64()), (Some(50), Some(1), Some(0)));
        let (_, own) = s.get("/api/v1/pilot/sites", Some(&town)).await;
        assert_eq!(own["items"].as_array().map(|a| a.iter().map(|i| i["code"].as_str().unwrap()).collect::<Vec<_>>()), Some(vec!["SF-V-01"]));
        let (status, body) = s.get("/api/v1/pilot/sites", Some(&grid)).await;
        assert_error(status, &body, 403, "forbidden");

        // The host applies with a photo of its own; another town learns nothing of the site.
        let (status, photo) = s.post("/api/v1/attachments", Some(&town), Some("image/jpeg"), JPEG.to_vec()).await;
        assert!(status.is_success(), "{photo}");
        let photo = photo["id"].as_str().unwrap().to_string();
        let apply = json!({"version": 1, "note": "五乐社区六项机制全部建立，群众知晓率 92%", "photos": [photo]});
        let (status, body) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/application", &other, apply.clone()).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/application", &d09, apply.clone()).await;
        assert_error(status, &body, 404, "not_found");
        let mut no_photo = apply.clone();
        no_photo["photos"] = json!([]);
        let (status, body) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/application", &town, no_photo).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "photos");
        let (status, body) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/decision", &pilot, json!({"version": 1, "named": true, "note": "同意"})).await;
        assert_error(status, &body, 409, "conflict");
        let (status, applied) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/application", &town, apply.clone()).await;
        assert_eq!((status, applied["status"].as_str(), applied["version"].as_i64()), (StatusCode::OK, Some("applied"), Some(2)), "{applied}");
        let (status, body) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/application", &town, apply.clone()).await;
        assert_error(status, &body, 409, "conflict");
        // The office reads the host's photo because it reads the site; the other town cannot.
        let (status, _) = s.get(&format!("/api/v1/attachments/{photo}"), Some(&pilot)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = s.get(&format!("/api/v1/attachments/{photo}"), Some(&other)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Only the office decides; a return lets the host apply again; a name counts.
        let decide = json!({"version": 2, "named": false, "note": "台账不全，补充后重新申报"});
        let (status, body) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/decision", &town, decide.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, returned) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/decision", &pilot, decide).await;
        assert_eq!((status, returned["status"].as_str()), (StatusCode::OK, Some("returned")), "{returned}");
        let mut again = apply.clone();
        again["version"] = json!(3);
        let (status, _) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/application", &town, again).await;
        assert_eq!(status, StatusCode::OK);
        let (status, named) = post_json(&s, "/api/v1/pilot/sites/SF-V-01/decision", &pilot, json!({"version": 4, "named": true, "note": "经实地验收，予以命名"})).await;
        assert_eq!((status, named["status_name"].as_str()), (StatusCode::OK, Some("已命名")), "{named}");
        let (_, all) = s.get("/api/v1/pilot/sites", Some(&pilot)).await;
        let village = all["levels"].as_array().unwrap().iter().find(|l| l["level"] == "village").unwrap();
        assert_eq!(village["named"].as_u64(), Some(1));

        let actions = s.store.actions(0, 100_000).await.unwrap();
        let kinds: Vec<&str> = actions.iter().map(|a| a.action.as_str()).filter(|a| a.starts_with("pilot.site")).collect();
        assert_eq!(kinds, ["pilot.site.add", "pilot.site.add", "pilot.site.apply", "pilot.site.decide", "pilot.site.apply", "pilot.site.decide"]);
        s
    })
    .await;
}

#[tokio::test]
async fn the_project_ledger_groups_by_programme_and_its_lead_reports_spending_and_milestones() {
    on_every_backend(|s| async move {
        let pilot = s.token("pilot").await;
        let d04 = s.token("dept-D04").await;
        let d09 = s.token("dept-D09").await;
        let leader = s.token("leader").await;
        let (status, _) = s.post_put("/api/v1/pilot/organisation", Some(&pilot), organisation_with_programmes().to_string()).await;
        assert_eq!(status, StatusCode::OK);

        let project = json!({"code": "ZD-05", "title": "区矛盾纠纷多元化解中心", "kind": "key", "programme": "P5",
            "lead_unit": "D04", "budget_yuan": 36_000_000, "starts_on": "2025-01-01", "ends_on": "2099-12-31",
            "milestones": [{"title": "立项批复", "due": "2025-03-31"}, {"title": "主体完工", "due": "2099-06-30"}]});
        let (status, body) = post_json(&s, "/api/v1/pilot/projects", &d04, project.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        for (field, value, at) in [("budget_yuan", json!(-1), "budget_yuan"), ("ends_on", json!("2024-12-31"), "ends_on"),
                                   ("programme", json!("P3"), "programme"), ("kind", json!("pet"), "kind"),
                                   ("milestones", json!([{"title": "立项", "due": "2024-01-01"}]), "milestones[0].due")] {
            let mut bad = project.clone();
            bad[field] = value;
            let (status, body) = post_json(&s, "/api/v1/pilot/projects", &pilot, bad).await;
            assert_error(status, &body, 422, "invalid_parameter");
            assert_eq!(body["details"]["field"], at, "{body}");
        }
        let (status, made) = post_json(&s, "/api/v1/pilot/projects", &pilot, project.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!((made["status"].as_str(), made["lead_name"].as_str(), made["late_milestones"].as_u64()), (Some("planned"), Some("黔江区司法局"), Some(1)), "the first milestone's day has passed");

        // The lead reports; another unit cannot find the project; bad reports name the field.
        let report = json!({"version": 1, "spent_yuan": 4_000_000, "milestones_done": [0], "status": "underway", "note": "立项批复完成，进场施工"});
        let (status, body) = post_json(&s, "/api/v1/pilot/projects/ZD-05/reports", &d09, report.clone()).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/pilot/projects/ZD-05/reports", &leader, report.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let mut bad = report.clone();
        bad["status"] = json!("in_use");
        let (status, body) = post_json(&s, "/api/v1/pilot/projects/ZD-05/reports", &d04, bad).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "status");
        let mut bad = report.clone();
        bad["milestones_done"] = json!([7]);
        let (status, body) = post_json(&s, "/api/v1/pilot/projects/ZD-05/reports", &d04, bad).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "milestones_done[0]");
        let (status, done) = post_json(&s, "/api/v1/pilot/projects/ZD-05/reports", &d04, report.clone()).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!((done["status"].as_str(), done["spent_yuan"].as_i64(), done["late_milestones"].as_u64(), done["version"].as_i64()), (Some("underway"), Some(4_000_000), Some(0), Some(2)));
        assert!(done["milestones"][0]["done_on"].is_string());
        assert_eq!(done["reports"][0]["by_name"].as_str().map(|n| !n.is_empty()), Some(true));
        let (status, body) = post_json(&s, "/api/v1/pilot/projects/ZD-05/reports", &d04, report.clone()).await;
        assert_error(status, &body, 409, "conflict");
        // Overspending is kept and flagged, not refused.
        let over = json!({"version": 2, "spent_yuan": 33_000_000, "status": "underway", "note": "追加设备采购"});
        let (_, over) = post_json(&s, "/api/v1/pilot/projects/ZD-05/reports", &pilot, over).await;
        assert_eq!(over["over_budget"], json!(true), "{over}");

        // The ledger by programme, for the district; a unit its own.
        let (_, ledger) = s.get("/api/v1/pilot/projects", Some(&leader)).await;
        let p5 = ledger["programmes"].as_array().unwrap().iter().find(|p| p["code"] == "P5").unwrap();
        assert_eq!((p5["projects"].as_u64(), p5["key_projects"].as_u64(), p5["budget_yuan"].as_i64(), p5["spent_yuan"].as_i64(), p5["flagged"].as_u64()),
                   (Some(1), Some(1), Some(36_000_000), Some(37_000_000), Some(1)));
        assert_eq!(ledger["items"][0]["reports"], json!([]), "the list leaves the reports to the project read");
        let (_, own) = s.get("/api/v1/pilot/projects", Some(&d09)).await;
        assert_eq!(own["items"].as_array().map(Vec::len), Some(0));
        let (status, one) = s.get("/api/v1/pilot/projects/ZD-05", Some(&d04)).await;
        assert_eq!((status, one["reports"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
        let (status, body) = s.get("/api/v1/pilot/projects/ZD-05", Some(&d09)).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = s.get("/api/v1/pilot/projects/no%20such", Some(&pilot)).await;
        assert_error(status, &body, 422, "invalid_parameter");

        // The ledger as the office files it: by programme with subtotals, then the sites.
        let resp = s.http.get(format!("{}/api/v1/pilot/ledger/export", s.base)).bearer_auth(&leader).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"), "named in Chinese");
        let strings = {
            use std::io::Read;
            let bytes = resp.bytes().await.unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let mut text = String::new();
            zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut text).unwrap();
            text
        };
        for want in ["市域社会治理现代化试点项目台账", "多元调解工程", "区矛盾纠纷多元化解中心", "黔江区司法局", "超预算", "小计：1 个（重点项目 1 个）", "示范点创建台账"] {
            assert!(strings.contains(want), "the sheet says {want}");
        }
        let resp = s.http.get(format!("{}/api/v1/pilot/ledger/export", s.base)).bearer_auth(s.token("grid-500114001001001").await).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        s
    })
    .await;
}
