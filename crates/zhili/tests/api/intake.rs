//! One intake for every door: a report over HTTP and a key person's "open event" go through
//! the same use case (`zhili::usecase::intake`), and the demo history through its builder.

use super::*;
use zhili_domain::{RegionCode, Role, Scope};

#[tokio::test]
async fn a_report_over_http_and_a_key_persons_event_make_the_same_record() {
    on_every_backend(|s| async move {
        let worker = s.token("grid-500114001001001").await;
        let post = |path: String, body: Value| {
            let (s, worker) = (&s, worker.clone());
            async move {
                s.post(
                    &path,
                    Some(&worker),
                    Some("application/json"),
                    body.to_string(),
                )
                .await
            }
        };
        let p = deep_point("500114001001001");
        let (st, house) = post(
            "/api/v1/houses".into(),
            json!({"code": "H-77", "address": "文汇路77号",
            "grid_code": "500114001001001", "lon": p.x, "lat": p.y, "usage": "住宅"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{house}");
        let number = zhili_domain::id_number::compose(
            "500114",
            zhili_domain::time::days_from_civil(1970, 1, 2),
            31,
        );
        let (st, person) = post(
            "/api/v1/people".into(),
            json!({"id_number": number, "name": "钱七",
            "grid_code": "500114001001001", "house_id": house["id"]}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{person}");
        let id = person["id"].as_i64().unwrap();
        let (st, _) = post(
            format!("/api/v1/people/{id}/key-roles"),
            json!({"kind": "severe_mental_illness", "risk_level": 1}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED);
        let (st, a) = post(
            format!("/api/v1/people/{id}/key-roles/severe_mental_illness/event"),
            json!({}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{a}");

        let all = Scope::new(
            RegionCode::parse("500114").unwrap(),
            Role::DistrictCommander,
            None,
        );
        let a = s
            .store
            .get_event(&all, a["id"].as_i64().unwrap())
            .await
            .unwrap()
            .unwrap();
        // The same report, made by hand over HTTP.
        let (st, b) = post(
            "/api/v1/events".into(),
            json!({"channel": "grid_patrol", "category": a.category,
            "description": a.description, "location": {"lon": a.lon, "lat": a.lat},
            "links": [{"kind": "person", "id": id}]}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let b = s
            .store
            .get_event(&all, b["id"].as_i64().unwrap())
            .await
            .unwrap()
            .unwrap();

        assert_eq!(
            (a.channel, &a.category, a.category_version),
            (b.channel, &b.category, b.category_version)
        );
        assert_eq!(
            (&a.description, a.lon, a.lat),
            (&b.description, b.lon, b.lat)
        );
        assert_eq!(a.occurred_at - a.reported_at, b.occurred_at - b.reported_at);
        assert_eq!(
            (&a.reporter_name, &a.reporter_phone_masked),
            (&b.reporter_name, &b.reporter_phone_masked)
        );
        assert_eq!(
            b.duplicate_of,
            Some(a.id),
            "the second is the first's duplicate, as any report would be"
        );
        let (ca, cb) = (&a.case, &b.case);
        assert_eq!(
            (ca.status, ca.class, &ca.grid, &ca.owner),
            (cb.status, cb.class, &cb.grid, &cb.owner)
        );
        assert_eq!(ca.limits, cb.limits);
        assert_eq!(
            ca.step_due.zip(ca.step_started).map(|(d, s)| d - s),
            cb.step_due.zip(cb.step_started).map(|(d, s)| d - s)
        );
        assert_eq!(
            s.store.event_links(&all, a.id).await.unwrap(),
            s.store.event_links(&all, b.id).await.unwrap()
        );
        let first = |id: i64| {
            let s = &s;
            async move {
                let r = s.store.actions_of(&format!("event:{id}")).await.unwrap();
                let r = r.first().unwrap().clone();
                (
                    r.action,
                    r.actor,
                    r.unit,
                    r.from_state,
                    r.to_state,
                    r.attachments,
                )
            }
        };
        assert_eq!(first(a.id).await, first(b.id).await);
        s
    })
    .await;
}

/// The demo history's reports are built by the intake's own builder (`intake::new_event`),
/// and a report made over HTTP is exactly what that builder makes of the same report: the
/// same case (owner, limits, deadlines), the same sealed and masked phone.
#[tokio::test]
async fn the_history_builds_its_reports_as_the_intake_does() {
    on_every_backend(|s| async move {
        let operator = s.token("district-operator").await;
        let p = deep_point("500114002001001");
        let (st, made) = s
            .post(
                "/api/v1/events",
                Some(&operator),
                Some("application/json"),
                json!({"channel": "hotline", "category": "0602",
                    "description": "路灯不亮", "location": {"lon": p.x, "lat": p.y},
                    "reporter": {"name": "王先生", "phone": "13800138000"}})
                .to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{made}");
        let all = zhili_domain::Scope::whole(RegionCode::parse("500114").unwrap());
        let stored = s
            .store
            .get_event(&all, made["id"].as_i64().unwrap())
            .await
            .unwrap()
            .unwrap();
        let reference = s.state.reference();
        let category = reference.categories.get("0602").unwrap();
        let built = zhili::usecase::intake::new_event(
            zhili::usecase::intake::Placed {
                channel: stored.channel,
                category,
                grid: stored.case.grid.clone(),
                description: stored.description.clone(),
                lon: stored.lon,
                lat: stored.lat,
                occurred_at: stored.occurred_at,
                reporter_name: stored.reporter_name.clone(),
                reporter_phone: Some("13800138000".into()),
                duplicate_of: stored.duplicate_of,
                photos: "[]".into(),
                links: vec![],
                resident: None,
            },
            &s.state.key,
            &reference.calendar,
            stored.reported_at,
        );
        assert_eq!(built.case, stored.case, "the builder makes the stored case");
        assert_eq!(
            built.case.owner, "C500114",
            "the hotline arrives at the district"
        );
        assert_eq!(
            (built.category_version, &built.reporter_phone_masked),
            (stored.category_version, &stored.reporter_phone_masked)
        );
        assert_eq!(built.reporter_phone_masked.as_deref(), Some("138****8000"));
        let sealed = built.reporter_phone_enc.as_deref().unwrap();
        assert_eq!(
            s.state
                .key
                .open(sealed, zhili::crypto::Sealed::ReporterPhone)
                .unwrap(),
            "13800138000"
        );
        s
    })
    .await;
}
