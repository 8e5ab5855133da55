//! Regions, locate in every CRS, units, and the grid import.

use super::*;

#[tokio::test]
async fn regions_contract_and_out_of_scope_is_404() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let (status, towns) = s.get("/api/v1/regions?level=town", Some(&district)).await;
        assert_eq!(status, StatusCode::OK);
        let towns = towns.as_array().unwrap();
        assert_eq!(towns.len(), 30);
        let first = &towns[0];
        assert_eq!(first["code"], "500114001");
        assert_eq!(first["name"], "城东街道");
        assert_eq!(first["level"], "town");
        assert_eq!(first["kind"], "街道");
        assert_eq!(first["parent_code"], "500114");
        assert!(
            first.get("geometry").is_none(),
            "no boundaries unless asked"
        );
        let (_, villages) = s
            .get("/api/v1/regions?level=village", Some(&district))
            .await;
        assert_eq!(villages.as_array().unwrap().len(), 220);
        let (_, grids) = s.get("/api/v1/regions?level=grid", Some(&district)).await;
        assert_eq!(grids.as_array().unwrap().len(), 1662);
        let (_, children) = s
            .get(
                "/api/v1/regions?level=grid&parent=500114001001",
                Some(&district),
            )
            .await;
        let children = children.as_array().unwrap();
        assert!(
            !children.is_empty()
                && children.iter().all(|g| g["parent_code"] == "500114001001"
                    && g["code"].as_str().unwrap().len() == 15)
        );
        let (_, with_geo) = s
            .get(
                "/api/v1/regions?level=village&parent=500114001&geometry=true",
                Some(&district),
            )
            .await;
        for v in with_geo.as_array().unwrap() {
            let shape = geojson::parse_polygonal(&v["geometry"]).expect("geometry is GeoJSON");
            assert!(zhili_spatial::area_m2(&shape) > 1000.0);
        }

        let (status, detail) = s
            .get(
                "/api/v1/regions/500114001001001?geometry=true",
                Some(&district),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(detail["version"], 1);
        assert_eq!(
            detail["kind"].as_str().map(|k| k.ends_with("网格")),
            Some(true)
        );
        assert!(detail["valid_to"].is_null());
        assert!(detail["geometry"]["type"].is_string());

        // Out of scope answers exactly like a code that does not exist.
        let town = s.token("town-500114001").await;
        let (status_other, other) = s.get("/api/v1/regions/500114002001", Some(&town)).await;
        let (status_none, none) = s.get("/api/v1/regions/500114001399", Some(&town)).await;
        assert_error(status_other, &other, 404, "not_found");
        assert_error(status_none, &none, 404, "not_found");
        let (status, _) = s.get("/api/v1/regions/500114", Some(&town)).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "the district is above a town operator's scope"
        );
        let (status, _) = s.get("/api/v1/regions/500114001002", Some(&town)).await;
        assert_eq!(status, StatusCode::OK);
        let worker = s.token("grid-500114001001001").await;
        let (status, _) = s
            .get("/api/v1/regions/500114001001002", Some(&worker))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, versions) = s
            .get("/api/v1/regions/500114001001001/versions", Some(&worker))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(versions.as_array().unwrap().len(), 1);
        s
    })
    .await;
}

#[tokio::test]
async fn locate_resolves_the_chain_in_every_crs() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let code = "500114001001001";
        let p = deep_point(code);
        let (status, hit) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", p.x, p.y),
                Some(&district),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{hit}");
        assert_eq!(hit["grid"]["code"], code);
        assert_eq!(
            hit["village"],
            json!({"code": "500114001001", "name": "文汇社区"})
        );
        assert_eq!(
            hit["town"],
            json!({"code": "500114001", "name": "城东街道"})
        );
        assert_eq!(hit["district"], json!({"code": "500114", "name": "黔江区"}));
        assert_eq!(hit["near_boundary"], false);
        assert!(hit["grid"]["name"].as_str().unwrap().contains("网格"));

        for crs in [zhili_spatial::Crs::Gcj02, zhili_spatial::Crs::Bd09] {
            let (x, y) = crs.from_wgs84(p.x, p.y);
            let name = if crs == zhili_spatial::Crs::Gcj02 {
                "gcj02"
            } else {
                "bd09"
            };
            let (status, hit) = s
                .get(
                    &format!("/api/v1/locate?lon={x}&lat={y}&crs={name}"),
                    Some(&district),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(hit["grid"]["code"], code, "{name}");
            assert!((hit["lon"].as_f64().unwrap() - p.x).abs() < 1e-7);
        }

        // 10 m from an edge of the grid, toward its inside.
        let g = grid(code);
        let ring = &g.shape.0[0].exterior().0;
        let (a, b) = (ring[0], ring[1]);
        let mid = Coord {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        };
        let toward = Coord {
            x: p.x - mid.x,
            y: p.y - mid.y,
        };
        let len_m = ((toward.x * M_PER_DEG * mid.y.to_radians().cos()).powi(2)
            + (toward.y * M_PER_DEG).powi(2))
        .sqrt();
        let near = Coord {
            x: mid.x + toward.x * 10.0 / len_m,
            y: mid.y + toward.y * 10.0 / len_m,
        };
        let (status, hit) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", near.x, near.y),
                Some(&district),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(hit["near_boundary"], true, "{hit}");

        let (status, body) = s
            .get("/api/v1/locate?lon=116.39&lat=39.9", Some(&district))
            .await;
        assert_error(status, &body, 404, "outside_coverage");

        // A grid worker's coverage is their grid.
        let worker = s.token("grid-500114001001001").await;
        let (status, _) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", p.x, p.y),
                Some(&worker),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let elsewhere = deep_point(
            &plan()
                .grids
                .iter()
                .find(|g| g.code.as_str().starts_with("500114002"))
                .unwrap()
                .code
                .to_string(),
        );
        let (status, body) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", elsewhere.x, elsewhere.y),
                Some(&worker),
            )
            .await;
        assert_error(status, &body, 404, "outside_coverage");
        s
    })
    .await;
}

#[tokio::test]
async fn units_are_scoped() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let (status, all) = s.get("/api/v1/units", Some(&district)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all.as_array().unwrap().len(), 1 + 30 + 220 + 26 + 5, "with the police window and four posts");
        let (_, depts) = s.get("/api/v1/units?kind=department", Some(&district)).await;
        let depts = depts.as_array().unwrap();
        assert_eq!(depts.len(), 26);
        assert_eq!(depts[0], json!({"id": "D01", "name": "黔江区公安分局", "kind": "department", "region_code": "500114"}));
        let (_, centres) = s.get("/api/v1/units?kind=centre", Some(&district)).await;
        assert_eq!(centres.as_array().unwrap().len(), 31);
        let village = s.token("village-500114001001").await;
        let (_, mine) = s.get("/api/v1/units", Some(&village)).await;
        let ids: Vec<&str> = mine.as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 28, "its police post too: {ids:?}");
        assert!(ids.contains(&"S500114001001") && !ids.contains(&"S500114001002") && !ids.contains(&"C500114001"));
        s
    })
    .await;
}

#[tokio::test]
async fn grid_import_validates_everything_then_writes_all_or_nothing() {
    on_every_backend(|s| async move {
        use geo::BooleanOps;
        let village = "500114001001";
        let grids: Vec<&demo::city::PlannedRegion> = plan().grids.iter().filter(|g| g.code.as_str().starts_with(village)).collect();
        assert!(grids.len() >= 3);
        let admin = s.token("admin").await;
        let generation = s.store.regions_generation().await.unwrap();

        // Overlap: grid 2 also claims grid 1's area.
        let mut bad: Vec<Value> = grids.iter().map(|g| feature(g.code.as_str(), &g.name, &g.shape)).collect();
        bad[1] = feature(grids[1].code.as_str(), &grids[1].name, &grids[1].shape.union(&grids[0].shape));
        bad.push(json!({"type": "Feature", "properties": {"code": "500114001001x", "name": "坏"}, "geometry": null}));
        let body = json!({"type": "FeatureCollection", "features": bad}).to_string();
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), Some("application/geo+json"), body.clone()).await;
        assert_error(st, &b, 422, "invalid_geometry");
        let problems = b["details"]["problems"].as_array().unwrap();
        assert!(problems.iter().any(|p| p["problem"] == "invalid_code" && p["feature"] == grids.len()), "{b}");
        // Structural problems stop the file before geometry checks; fix them and see the overlap.
        let mut bad2: Vec<Value> = grids.iter().map(|g| feature(g.code.as_str(), &g.name, &g.shape)).collect();
        bad2[1] = feature(grids[1].code.as_str(), &grids[1].name, &grids[1].shape.union(&grids[0].shape));
        let body2 = json!({"type": "FeatureCollection", "features": bad2}).to_string();
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), None, body2).await;
        assert_error(st, &b, 422, "invalid_geometry");
        let problems = b["details"]["problems"].as_array().unwrap();
        assert!(problems.iter().any(|p| p["problem"] == "overlap"), "{b}");
        assert_eq!(s.store.regions_generation().await.unwrap(), generation, "nothing written");

        // Not an admin: refused.
        let district = s.token("district").await;
        let (st, b) = s.post("/api/v1/grids/import", Some(&district), None, body).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), None, "not json").await;
        assert_error(st, &b, 422, "invalid_geometry");

        // Merge grids 1 and 2 into one: valid. Dry run first, then for real.
        let merged = grids[0].shape.union(&grids[1].shape);
        let mut good: Vec<Value> = vec![feature(grids[0].code.as_str(), "合并后的第1网格", &merged)];
        good.extend(grids[2..].iter().map(|g| feature(g.code.as_str(), &g.name, &g.shape)));
        let body = json!({"type": "FeatureCollection", "features": good}).to_string();
        let (st, b) = s.post("/api/v1/grids/import?dry_run=true", Some(&admin), None, body.clone()).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b["written"], false);
        assert_eq!(s.store.regions_generation().await.unwrap(), generation);
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), None, body).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b["summary"], json!({"created": 0, "updated": 1, "unchanged": grids.len() - 2, "retired": 1}));

        // The old boundary is history, the new one is current, and locate follows at once.
        let (_, versions) = s.get(&format!("/api/v1/regions/{}/versions", grids[0].code), Some(&district)).await;
        let versions = versions.as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions[0]["valid_to"].is_string() && versions[1]["valid_to"].is_null());
        assert_eq!(versions[1]["name"], "合并后的第1网格");
        let (st, _) = s.get(&format!("/api/v1/regions/{}", grids[1].code), Some(&district)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "the absorbed grid is retired");
        let p = deep_point(grids[1].code.as_str());
        let (st, hit) = s.get(&format!("/api/v1/locate?lon={}&lat={}", p.x, p.y), Some(&district)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(hit["grid"]["code"], grids[0].code.as_str());
        s
    })
    .await;
}
