use super::*;

#[tokio::test]
async fn components_and_cameras_with_states_and_uptime_per_area() {
    on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let p = deep_point("500114001001001");
            let post = |body: Value| {
                let s = &s;
                let worker = worker.clone();
                async move { s.post("/api/v1/things", Some(&worker), Some("application/json"), body.to_string()).await }
            };
            let (st, c) = post(json!({"kind": "component", "code": "5001140102000001", "name": "路灯", "lon": p.x, "lat": p.y, "department": "D09"})).await;
            assert_eq!(st, StatusCode::CREATED, "{c}");
            assert_eq!((c["class_name"].as_str(), c["state"].as_str(), c["grid_code"].as_str()), (Some("公用设施"), Some("normal"), Some("500114001001001")));
            let (st, b) = post(json!({"kind": "component", "code": "5001140102000001", "name": "路灯", "lon": p.x, "lat": p.y})).await;
            assert_error(st, &b, 409, "conflict");
            for (body, field) in [
                (json!({"kind": "component", "code": "5001150102000002", "name": "x", "lon": p.x, "lat": p.y}), "code"),
                (json!({"kind": "component", "code": "5001140102000003", "name": "x", "lon": 100.0, "lat": 20.0}), "lon"),
                (json!({"kind": "camera", "code": "CAM-1", "name": "x", "lon": p.x, "lat": p.y, "coverage": "sky"}), "coverage"),
                (json!({"kind": "robot", "code": "R", "name": "x", "lon": p.x, "lat": p.y}), "kind"),
            ] {
                let (st, b) = post(body).await;
                assert_error(st, &b, 422, "invalid_parameter");
                assert_eq!(b["details"]["field"], field, "{b}");
            }
            // Fifty cameras in the grid, one goes offline: 98 %, on target; two: below.
            let mut ids = Vec::new();
            for i in 0..50 {
                let (st, cam) = post(json!({"kind": "camera", "code": format!("CAM-{i:03}"), "name": format!("摄像头{i}"), "lon": p.x, "lat": p.y, "coverage": "road"})).await;
                assert_eq!(st, StatusCode::CREATED, "{cam}");
                ids.push(cam["id"].as_i64().unwrap());
            }
            // States are changed by the area's centres and the responsible unit.
            let station = s.token("village-500114001001").await;
            let put = |id: i64, state: &'static str| {
                let s = &s;
                let station = station.clone();
                async move { s.post_put(&format!("/api/v1/things/{id}/state"), Some(&station), json!({"state": state}).to_string()).await }
            };
            let (st, off) = put(ids[0], "offline").await;
            assert_eq!((st, off["state"].as_str()), (StatusCode::OK, Some("offline")));
            // The map layers: the box around the grid holds them, with their states; a box
            // elsewhere and another town hold none.
            let near = format!("{},{},{},{}", p.x - 0.01, p.y - 0.01, p.x + 0.01, p.y + 0.01);
            let (st, cams) = s.get(&format!("/api/v1/map/places?layer=cameras&bbox={near}"), Some(&worker)).await;
            assert_eq!(st, StatusCode::OK);
            let features = cams["features"].as_array().unwrap();
            assert_eq!((features.len(), cams["truncated"].as_bool()), (50, Some(false)));
            assert_eq!(features.iter().filter(|f| f["properties"]["state"] == "offline").count(), 1);
            let (_, parts) = s.get(&format!("/api/v1/map/places?layer=components&bbox={near}"), Some(&worker)).await;
            assert_eq!(parts["features"][0]["properties"]["label"], "路灯");
            let (_, none) = s.get("/api/v1/map/places?layer=cameras&bbox=100,20,100.1,20.1", Some(&worker)).await;
            assert_eq!(none["features"].as_array().map(Vec::len), Some(0));
            let (_, none) = s.get(&format!("/api/v1/map/places?layer=cameras&bbox={near}"), Some(&s.token("town-500114002").await)).await;
            assert_eq!(none["features"].as_array().map(Vec::len), Some(0));
            // Two opposite corners in either order are the same box.
            let swapped = format!("{},{},{},{}", p.x + 0.01, p.y + 0.01, p.x - 0.01, p.y - 0.01);
            let (st, same) = s.get(&format!("/api/v1/map/places?layer=cameras&bbox={swapped}"), Some(&worker)).await;
            assert_eq!((st, same["features"].as_array().map(Vec::len)), (StatusCode::OK, Some(50)));
            for bad in ["layer=cameras&bbox=1,2,3", "layer=cameras&bbox=1,2,x,4", "layer=cameras&bbox=1,2,inf,4", "layer=planets&bbox=1,2,3,4"] {
                let (st, b) = s.get(&format!("/api/v1/map/places?{bad}"), Some(&worker)).await;
                assert_error(st, &b, 422, "invalid_parameter");
            }
            let (st, b) = s.get(&format!("/api/v1/map/places?layer=houses&bbox={near}"), Some(&s.token("dept-D01").await)).await;
            assert_error(st, &b, 403, "forbidden");
            let town = s.token("town-500114001").await;
            let (_, up) = s.get("/api/v1/things/uptime", Some(&town)).await;
            assert_eq!((up["region"]["total"].as_i64(), up["region"]["online"].as_i64(), up["region"]["rate"].as_f64()), (Some(50), Some(49), Some(0.98)));
            assert_eq!(up["region"]["below_target"], false);
            assert_eq!(up["by_region"][0]["code"], "500114001001");
            put(ids[1], "offline").await;
            let (_, up) = s.get("/api/v1/things/uptime", Some(&town)).await;
            assert_eq!(up["region"]["below_target"], true);
            // A component's state for a camera conflicts with what it is.
            let (st, b) = put(ids[2], "damaged").await;
            assert_error(st, &b, 409, "conflict");
            let (_, listed) = s.get("/api/v1/things?kind=camera&state=offline", Some(&town)).await;
            assert_eq!(listed["total"], 2);
            let other = s.token("town-500114002").await;
            let (_, none) = s.get("/api/v1/things", Some(&other)).await;
            assert_eq!(none["total"], 0);
            let (st, _) = put(ids[3], "offline").await;
            assert_eq!(st, StatusCode::OK);
            let other_station = s.token("village-500114002001").await;
            let (st, _) = s.post_put(&format!("/api/v1/things/{}/state", ids[4]), Some(&other_station), json!({"state": "offline"}).to_string()).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "outside the area it does not exist");
            // Not a department that is not responsible for it, nor a grid worker; the
            // responsible department may.
            for who in ["dept-D14", "grid-500114001001001", "leader", "admin"] {
                let (st, b) = s.post_put(&format!("/api/v1/things/{}/state", c["id"]), Some(&s.token(who).await), json!({"state": "damaged"}).to_string()).await;
                assert_error(st, &b, 403, "forbidden");
            }
            let (st, b) = s.post_put(&format!("/api/v1/things/{}/state", c["id"]), Some(&s.token("dept-D09").await), json!({"state": "damaged"}).to_string()).await;
            assert_eq!((st, b["state"].as_str()), (StatusCode::OK, Some("damaged")), "{b}");
            let actions = s.store.actions(0, 1_000_000).await.unwrap();
            assert!(actions.iter().any(|a| a.action == "camera.state" && a.to_state.as_deref() == Some("offline")));
            s
        })
        .await;
}

#[tokio::test]
async fn organisations_with_checked_credit_codes() {
    on_every_backend(|s| async move {
            let village = s.token("village-500114001001").await;
            let p = deep_point("500114001001001");
            let code = zhili_domain::org::compose_credit_code("52", "500114", "MJ0000001");
            let post = |body: Value| {
                let s = &s;
                let village = village.clone();
                async move { s.post("/api/v1/orgs", Some(&village), Some("application/json"), body.to_string()).await }
            };
            let school = json!({"kind": "school", "name": "文汇小学", "credit_code": code, "address": "城东街道文汇路1号",
                "lon": p.x, "lat": p.y, "contact_name": "校长", "contact_phone": "13900001111", "staff": 60});
            let (st, made) = post(school.clone()).await;
            assert_eq!(st, StatusCode::CREATED, "{made}");
            assert_eq!((made["kind_label"].as_str(), made["grid_code"].as_str(), made["contact_phone"].as_str()), (Some("学校"), Some("500114001001001"), Some("139****1111")));
            let (st, b) = post(school.clone()).await;
            assert_error(st, &b, 409, "conflict");
            let mut wrong = code.clone().into_bytes();
            wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
            let mut bad = school.clone();
            bad["credit_code"] = json!(String::from_utf8(wrong).unwrap());
            let (st, b) = post(bad).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "credit_code");
            let mut far = school.clone();
            far["credit_code"] = Value::Null;
            far["lon"] = json!(108.5);
            far["lat"] = json!(29.0);
            let (st, b) = post(far).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, list) = s.get("/api/v1/orgs?kind=school", Some(&village)).await;
            assert_eq!(list["total"], 1);
            let (_, none) = s.get("/api/v1/orgs", Some(&s.token("town-500114002").await)).await;
            assert_eq!(none["total"], 0);
            s
        })
        .await;
}
