//! The storage suite: every test runs on SQLite, and on PostgreSQL when
//! ZHILI_TEST_DATABASE_URL is given.

use zhili_domain::chain::{self, Actor};
use zhili_domain::user::LoginPolicy;
use zhili_domain::{Level, RegionCode, RegionKind, Role, Scope, Unit, UnitKind};
use zhili_store::prelude::*;
use zhili_store::testing::TestDb;
use zhili_store::{NewRegion, NewUser, RegionFilter, SqlStore};

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn square(x: f64, y: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}"#,
        x + 0.01,
        x + 0.01,
        y + 0.01,
        y + 0.01
    )
}

fn region(c: &str, name: &str, kind: RegionKind, x: f64) -> NewRegion {
    NewRegion {
        code: code(c),
        name: name.into(),
        kind,
        geometry: square(x, 29.0),
    }
}

async fn seed(store: &SqlStore) {
    let sys = Actor::system();
    store
        .upsert_regions(
            &sys,
            &[
                region("500114", "黔江区", RegionKind::District, 108.0),
                region("500114001", "城东街道", RegionKind::Subdistrict, 108.0),
                region("500114002", "城南街道", RegionKind::Subdistrict, 108.1),
                region("500114001001", "文汇社区", RegionKind::Community, 108.0),
                region("500114002001", "某社区", RegionKind::Community, 108.1),
                region(
                    "500114001001001",
                    "文汇社区第1网格",
                    RegionKind::GeneralGrid,
                    108.0,
                ),
                region(
                    "500114001001002",
                    "文汇社区第2网格",
                    RegionKind::GeneralGrid,
                    108.0,
                ),
                region(
                    "500114002001001",
                    "某社区第1网格",
                    RegionKind::GeneralGrid,
                    108.1,
                ),
            ],
            1000,
        )
        .await
        .unwrap();
    store
        .insert_units(
            &sys,
            &[
                Unit {
                    id: "C500114".into(),
                    name: "区综治中心".into(),
                    kind: UnitKind::Centre,
                    region_code: code("500114"),
                },
                Unit {
                    id: "C500114001".into(),
                    name: "城东街道综治中心".into(),
                    kind: UnitKind::Centre,
                    region_code: code("500114001"),
                },
                Unit {
                    id: "C500114002".into(),
                    name: "城南街道综治中心".into(),
                    kind: UnitKind::Centre,
                    region_code: code("500114002"),
                },
                Unit {
                    id: "S500114001001".into(),
                    name: "文汇社区综治站".into(),
                    kind: UnitKind::Station,
                    region_code: code("500114001001"),
                },
                Unit {
                    id: "D01".into(),
                    name: "黔江区公安分局".into(),
                    kind: UnitKind::Department,
                    region_code: code("500114"),
                },
            ],
            1000,
        )
        .await
        .unwrap();
}

async fn for_each_backend<F, Fut>(test: F)
where
    F: Fn(SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in TestDb::all().await {
        let store = db
            .open()
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", db.backend));
        seed(&store).await;
        test(store).await;
        db.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for db in TestDb::all().await {
        db.open().await.unwrap();
        let again = db.open().await.unwrap();
        assert_eq!(again.count_users().await.unwrap(), 0);
        db.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn regions_are_scoped_to_the_subtree() {
    for_each_backend(|store| async move {
        let district = Scope::new(code("500114"), Role::DistrictCommander, None);
        let town = Scope::new(code("500114001"), Role::TownOperator, None);
        let grids = RegionFilter {
            level: Some(Level::Grid),
            ..Default::default()
        };
        assert_eq!(
            store.list_regions(&district, &grids).await.unwrap().len(),
            3
        );
        let mine = store.list_regions(&town, &grids).await.unwrap();
        assert_eq!(
            mine.iter()
                .map(|r| r.region.code.as_str())
                .collect::<Vec<_>>(),
            ["500114001001001", "500114001001002"]
        );
        assert!(mine.iter().all(|r| r.geometry.is_none()));
        let with_geo = RegionFilter {
            level: Some(Level::Town),
            with_geometry: true,
            ..Default::default()
        };
        let towns = store.list_regions(&town, &with_geo).await.unwrap();
        assert_eq!(towns.len(), 1);
        assert!(towns[0].geometry.as_deref().unwrap().contains("Polygon"));
        // Out of scope reads as absent, exactly like a code that does not exist.
        assert!(store
            .get_region(&town, &code("500114002001"), false)
            .await
            .unwrap()
            .is_none());
        assert!(store
            .get_region(&town, &code("500114"), false)
            .await
            .unwrap()
            .is_none());
        assert!(store
            .get_region(&town, &code("500114001001"), false)
            .await
            .unwrap()
            .is_some());
        let by_parent = RegionFilter {
            parent: Some(code("500114001001")),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_regions(&district, &by_parent)
                .await
                .unwrap()
                .len(),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn boundary_changes_make_versions() {
    for_each_backend(|store| async move {
        let district = Scope::new(code("500114"), Role::Admin, None);
        let gen0 = store.regions_generation().await.unwrap();
        let unchanged = store
            .upsert_regions(
                &Actor::system(),
                &[region(
                    "500114001001001",
                    "文汇社区第1网格",
                    RegionKind::GeneralGrid,
                    108.0,
                )],
                2000,
            )
            .await
            .unwrap();
        assert_eq!(unchanged.unchanged, 1);
        assert_eq!(store.regions_generation().await.unwrap(), gen0);
        let moved = region(
            "500114001001001",
            "文汇社区第1网格",
            RegionKind::GeneralGrid,
            108.005,
        );
        let summary = store
            .replace_grids(&Actor::system(), &[code("500114001001")], &[moved], 3000)
            .await
            .unwrap();
        assert_eq!(
            (summary.updated, summary.retired, summary.created),
            (1, 1, 0)
        );
        assert!(store.regions_generation().await.unwrap() > gen0);
        let versions = store
            .region_versions(&district, &code("500114001001001"))
            .await
            .unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0].region.valid_to, Some(3000));
        assert_eq!(versions[1].region.version, 2);
        assert_eq!(versions[1].region.valid_from, 3000);
        assert!(versions[1].region.is_current());
        // The retired grid keeps its history but is no longer current.
        assert!(store
            .get_region(&district, &code("500114001001002"), false)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            store
                .region_versions(&district, &code("500114001001002"))
                .await
                .unwrap()
                .len(),
            1
        );
        // Re-creating a retired code continues its version numbers.
        let back = region(
            "500114001001002",
            "文汇社区第2网格",
            RegionKind::GeneralGrid,
            108.0,
        );
        store
            .upsert_regions(&Actor::system(), &[back], 4000)
            .await
            .unwrap();
        assert_eq!(
            store
                .get_region(&district, &code("500114001001002"), false)
                .await
                .unwrap()
                .unwrap()
                .region
                .version,
            2
        );
    })
    .await;
}

#[tokio::test]
async fn units_departments_are_seen_by_all_stations_by_subtree() {
    for_each_backend(|store| async move {
        let village = Scope::new(code("500114001001"), Role::VillageOperator, None);
        let ids: Vec<String> = store
            .list_units(&village, None)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.id)
            .collect();
        assert_eq!(ids, ["D01", "S500114001001"]);
        let district = Scope::new(code("500114"), Role::DistrictCommander, None);
        assert_eq!(
            store
                .list_units(&district, Some(UnitKind::Centre))
                .await
                .unwrap()
                .len(),
            3
        );
        let dup = Unit {
            id: "D01".into(),
            name: "x".into(),
            kind: UnitKind::Department,
            region_code: code("500114"),
        };
        assert!(store
            .insert_units(&Actor::system(), &[dup], 1)
            .await
            .is_err());
    })
    .await;
}

#[tokio::test]
async fn sign_in_state_tokens_and_the_chain() {
    for_each_backend(|store| async move {
        let sys = Actor::system();
        let user = NewUser {
            username: "town-500114001".into(),
            display_name: "城东".into(),
            role: Role::TownOperator,
            unit_id: Some("C500114001".into()),
            region_code: code("500114001"),
            department: None,
            password_hash: "h1".into(),
            phone_enc: None,
            phone_masked: None,
            must_change_password: false,
        };
        store
            .insert_users(&sys, std::slice::from_ref(&user), 10)
            .await
            .unwrap();
        assert!(
            store
                .insert_users(&sys, std::slice::from_ref(&user), 11)
                .await
                .is_err(),
            "duplicate username"
        );
        let mut bad_unit = user.clone();
        bad_unit.username = "x2".into();
        bad_unit.unit_id = Some("NOPE".into());
        assert!(store.insert_users(&sys, &[bad_unit], 11).await.is_err());
        assert_eq!(
            store.count_users().await.unwrap(),
            1,
            "refused inserts wrote nothing"
        );

        let login = store.find_login("town-500114001").await.unwrap().unwrap();
        assert_eq!(login.user.role, Role::TownOperator);
        assert!(store.find_login("nobody").await.unwrap().is_none());
        let policy = LoginPolicy::default();
        let user = Some(&login.user);
        let here = "10.0.0.1";
        for i in 0..4 {
            let locked = store
                .record_login_failure("town-500114001", user, here, &policy, 100 + i)
                .await
                .unwrap();
            assert_eq!(locked, None);
        }
        let locked = store
            .record_login_failure("town-500114001", user, here, &policy, 104)
            .await
            .unwrap();
        assert_eq!(locked, Some(104 + policy.lock_ms));
        let state = store
            .sign_in_state("town-500114001", here, 200)
            .await
            .unwrap();
        assert_eq!(
            policy.locked_until(state.place, state.unfamiliar, 200),
            Some(104 + policy.lock_ms)
        );
        // The right password from the locked place starts nothing.
        assert_eq!(
            store
                .record_login_success(&login.user, here, "tokhash", 10_000, &policy, 300)
                .await
                .unwrap(),
            Some(104 + policy.lock_ms)
        );
        assert!(store
            .user_by_token("tokhash", 5_000)
            .await
            .unwrap()
            .is_none());
        // Elsewhere it does, and that place becomes familiar.
        let home = "10.0.0.2";
        assert_eq!(
            store
                .record_login_success(&login.user, home, "tokhash", 10_000, &policy, 300)
                .await
                .unwrap(),
            None
        );
        let at_home = store
            .sign_in_state("town-500114001", home, 400)
            .await
            .unwrap();
        assert_eq!(at_home.unfamiliar, None, "a familiar place");
        assert_eq!(at_home.place.failures, 0);
        // Names that are not accounts are counted the same, and nothing is recorded for them.
        for i in 0..5 {
            store
                .record_login_failure("nobody", None, here, &policy, 500 + i)
                .await
                .unwrap();
        }
        let nobody = store.sign_in_state("nobody", here, 600).await.unwrap();
        assert!(policy
            .locked_until(nobody.place, nobody.unfamiliar, 600)
            .is_some());
        assert_eq!(
            store
                .user_by_token("tokhash", 5_000)
                .await
                .unwrap()
                .unwrap()
                .username,
            "town-500114001"
        );
        assert!(
            store
                .user_by_token("tokhash", 10_000)
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        assert!(store.user_by_token("other", 5_000).await.unwrap().is_none());
        store
            .revoke_token(&login.user, "tokhash", 400)
            .await
            .unwrap();
        assert!(
            store
                .user_by_token("tokhash", 5_000)
                .await
                .unwrap()
                .is_none(),
            "revoked"
        );

        store
            .record_login_success(&login.user, home, "tok2", 10_000, &policy, 500)
            .await
            .unwrap();
        assert!(store
            .set_password(
                &sys,
                "town-500114001",
                &zhili_store::PasswordChange {
                    password_hash: "h2".into(),
                    must_change: true,
                    keep: 5,
                },
                600,
            )
            .await
            .unwrap());
        assert!(
            store.user_by_token("tok2", 700).await.unwrap().is_none(),
            "password change ends sessions"
        );
        let login = store.find_login("town-500114001").await.unwrap().unwrap();
        assert!(login.must_change_password && login.user.must_change_password);
        assert_eq!(login.password_changed_at, 600);
        assert_eq!(
            store
                .password_history("town-500114001", 5)
                .await
                .unwrap()
                .len(),
            1,
            "the hash replaced is kept"
        );
        let nobody = zhili_store::PasswordChange {
            password_hash: "h".into(),
            must_change: false,
            keep: 5,
        };
        assert!(!store
            .set_password(&sys, "nobody", &nobody, 600)
            .await
            .unwrap());
        let after = store
            .sign_in_state("town-500114001", here, 700)
            .await
            .unwrap();
        assert_eq!(
            policy.locked_until(after.place, after.unfamiliar, 700),
            None,
            "a new password lifts the locks"
        );

        let actions = store.actions(0, 100_000).await.unwrap();
        let n = chain::verify(&actions).unwrap();
        assert!(n >= 20, "{n} actions");
        assert!(actions.iter().any(|a| a.action == "auth.locked"));
        assert!(actions
            .iter()
            .any(|a| a.action == "user.passwd" && a.subject == "user:town-500114001"));

        // Tampering with one record is found and named.
        let victim = actions[actions.len() / 2].seq;
        sqlx::query("UPDATE actions SET opinion = 'edited' WHERE seq = $1")
            .bind(victim)
            .execute(store.pool())
            .await
            .unwrap();
        let after = store.actions(0, 100_000).await.unwrap();
        assert_eq!(chain::verify(&after).unwrap_err().seq, victim);
    })
    .await;
}

#[tokio::test]
async fn concurrent_wrong_passwords_all_count() {
    for db in TestDb::all().await {
        let store = std::sync::Arc::new(db.open().await.unwrap());
        seed(&store).await;
        let policy = LoginPolicy::new(1000, 60_000, 3_600_000);
        let new = NewUser {
            username: "town-500114001".into(),
            display_name: "城东".into(),
            role: Role::TownOperator,
            unit_id: Some("C500114001".into()),
            region_code: code("500114001"),
            department: None,
            password_hash: "h1".into(),
            phone_enc: None,
            phone_masked: None,
            must_change_password: false,
        };
        store
            .insert_users(&Actor::system(), &[new], 10)
            .await
            .unwrap();
        let user = store
            .find_login("town-500114001")
            .await
            .unwrap()
            .unwrap()
            .user;
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let (store, user) = (store.clone(), user.clone());
                tokio::spawn(async move {
                    store
                        .record_login_failure(
                            "town-500114001",
                            Some(&user),
                            "10.1.1.1",
                            &policy,
                            1_000,
                        )
                        .await
                        .unwrap()
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let state = store
            .sign_in_state("town-500114001", "10.1.1.1", 2_000)
            .await
            .unwrap();
        assert_eq!(state.place.failures, 40, "{:?}", db.backend);
        assert_eq!(state.unfamiliar.unwrap().failures, 40);
        chain::verify(&store.actions(0, i64::MAX).await.unwrap()).unwrap();
        db.drop_database().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_appends_keep_one_chain() {
    for db in TestDb::all().await {
        let store = std::sync::Arc::new(db.open().await.unwrap());
        seed(&store).await;
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let u = NewUser {
                    username: format!("u{i}"),
                    display_name: "x".into(),
                    role: Role::Leader,
                    unit_id: None,
                    region_code: code("500114"),
                    department: None,
                    password_hash: "h".into(),
                    phone_enc: None,
                    phone_masked: None,
                    must_change_password: false,
                };
                store.insert_users(&Actor::system(), &[u], i).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let actions = store.actions(0, 100_000).await.unwrap();
        assert_eq!(chain::verify(&actions).unwrap() as usize, actions.len());
        assert_eq!(store.count_users().await.unwrap(), 16);
        drop(store);
        db.drop_database().await.unwrap();
    }
}

mod events {
    use super::*;
    use zhili_domain::calendar::WorkingCalendar;
    use zhili_domain::event::{apply, Actor as Who, Case, Channel, Command, MatterClass, Status};
    use zhili_domain::reference::{Category, Lead};
    use zhili_store::{
        ChangeRequest, EventBatch, EventChange, EventFilter, NewEvent, ReferenceData,
    };

    fn category() -> Category {
        Category {
            code: "0602".into(),
            major: "市政设施".into(),
            minor: "路灯故障".into(),
            class: MatterClass::Major,
            urgent: false,
            accept_hours: 4.0,
            handle_hours: 40.0,
            lead: Lead::parse("D01").unwrap(),
            opens_dispute: false,
            version: 1,
        }
    }

    /// The village station registering `a` at `at`, computed from the version read.
    fn register_change(a: &zhili_store::EventRecord, at: i64, attachments: &str) -> ChangeRequest {
        let op = Who {
            role: Role::VillageOperator,
            unit: Some("S500114001001".into()),
            region: code("500114001001"),
            grids: Vec::new(),
        };
        let out = apply(
            &a.case,
            &op,
            &Command::Register {
                class: None,
                reason: None,
            },
            at,
            &WorkingCalendar::default(),
        )
        .unwrap();
        ChangeRequest {
            actor: Actor {
                username: "village-500114001001".into(),
                unit: Some("S500114001001".into()),
            },
            id: a.id,
            expected_version: a.version,
            change: EventChange {
                action: "register".into(),
                case: out.case,
                from: Status::Reported,
                opinion: None,
                attachments: attachments.into(),
                step_done: out.step_done,
                merged_into: None,
            },
            now: at,
        }
    }

    fn report(grid: &str, now: i64) -> NewEvent {
        let cal = WorkingCalendar::default();
        let grid = code(grid);
        let owner = zhili_domain::reference::intake_owner(false, &grid);
        NewEvent {
            channel: Channel::GridPatrol,
            category: "0602".into(),
            category_version: 1,
            description: "路灯不亮 50%_test".into(),
            lon: 108.005,
            lat: 29.005,
            occurred_at: now - 1000,
            reporter_name: Some("张三".into()),
            reporter_phone_enc: Some("ciphertext".into()),
            reporter_phone_masked: Some("138****5678".into()),
            duplicate_of: None,
            case: Case::reported(
                grid,
                MatterClass::Major,
                category().limits(),
                owner,
                now,
                &cal,
            ),
            attachments: "[]".into(),
            links: Vec::new(),
            resident_id: None,
            api_key_id: None,
            reporter_phone_blind: None,
        }
    }

    #[tokio::test]
    async fn reference_is_seeded_once() {
        for_each_backend(|store| async move {
            let data = ReferenceData {
                categories: vec![category()],
                rules: vec![],
                days: vec![(
                    "2026-10-01".into(),
                    zhili_domain::calendar::DayKind::Holiday,
                    "国庆节".into(),
                )],
                working_hours: "08:30-12:00,14:00-17:30".into(),
            };
            assert!(store
                .seed_reference(&Actor::system(), &data, 1)
                .await
                .unwrap());
            assert!(!store
                .seed_reference(&Actor::system(), &data, 2)
                .await
                .unwrap());
            let back = store.reference().await.unwrap();
            assert_eq!(back.categories, vec![category()]);
            assert_eq!(back.days.len(), 1);
        })
        .await;
    }

    #[tokio::test]
    async fn events_are_numbered_scoped_changed_once_and_recorded() {
        for_each_backend(|store| async move {
            let sys = Actor::system();
            let now = 1_795_775_400_000; // 2026-11-27 18:30 in China
            let a = store
                .create_event(&sys, &report("500114001001001", now), now)
                .await
                .unwrap();
            let b = store
                .create_event(&sys, &report("500114002001001", now + 1), now + 1)
                .await
                .unwrap();
            assert_eq!(a.case_number, "500114-20261127-00001");
            assert_eq!(b.case_number, "500114-20261127-00002");
            assert_eq!(a.case.status, Status::Reported);
            assert_eq!(a.reporter_phone_masked.as_deref(), Some("138****5678"));

            let town1 = Scope::new(code("500114001"), Role::TownOperator, None);
            assert!(store.get_event(&town1, a.id).await.unwrap().is_some());
            assert!(
                store.get_event(&town1, b.id).await.unwrap().is_none(),
                "out of scope reads as absent"
            );
            let district = Scope::new(code("500114"), Role::DistrictCommander, None);
            let (all, total) = store
                .list_events(
                    &district,
                    &EventFilter {
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!((all.len(), total), (2, 2));
            let (mine, total) = store
                .list_events(
                    &town1,
                    &EventFilter {
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!((mine.len(), total), (1, 1));
            // Text search escapes LIKE wildcards: "50%_" matches literally.
            let (found, _) = store
                .list_events(
                    &district,
                    &EventFilter {
                        text: Some("50%_t".into()),
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(found.len(), 2);
            let (none, _) = store
                .list_events(
                    &district,
                    &EventFilter {
                        text: Some("5_%".into()),
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(none.len(), 0);
            let (overdue, _) = store
                .list_events(
                    &district,
                    &EventFilter {
                        overdue_at: Some(now + 30 * 86_400_000),
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(overdue.len(), 2);

            // Register, then dispatch to D01 with D09 assisting; D09's handler now sees it.
            let cal = WorkingCalendar::default();
            let op = Who {
                role: Role::VillageOperator,
                unit: Some("S500114001001".into()),
                region: code("500114001001"),
                grids: Vec::new(),
            };
            let reg = apply(
                &a.case,
                &op,
                &Command::Register {
                    class: None,
                    reason: None,
                },
                now + 5,
                &cal,
            )
            .unwrap();
            let change = EventChange {
                action: "register".into(),
                case: reg.case.clone(),
                from: Status::Reported,
                opinion: None,
                attachments: "[]".into(),
                step_done: reg.step_done,
                merged_into: None,
            };
            let actor = Actor {
                username: "village-500114001001".into(),
                unit: Some("S500114001001".into()),
            };
            let a2 = store
                .change_event(&actor, a.id, a.version, &change, now + 5)
                .await
                .unwrap();
            assert_eq!((a2.case.status, a2.version), (Status::Registered, 2));
            // The same change again, on the stale version: refused, nothing written.
            let again = store
                .change_event(&actor, a.id, a.version, &change, now + 6)
                .await;
            assert!(again.is_err());
            let dis = apply(
                &a2.case,
                &op,
                &Command::Dispatch {
                    lead: zhili_domain::UnitId::parse("D01").unwrap(),
                    assisting: vec![zhili_domain::UnitId::parse("D09").unwrap()],
                },
                now + 7,
                &cal,
            )
            .unwrap();
            let change = EventChange {
                action: "dispatch".into(),
                case: dis.case.clone(),
                from: Status::Registered,
                opinion: Some("请公安处置".into()),
                attachments: "[]".into(),
                step_done: dis.step_done,
                merged_into: None,
            };
            let a3 = store
                .change_event(&actor, a.id, a2.version, &change, now + 7)
                .await
                .unwrap();
            assert_eq!(a3.case.assisting_units, vec!["D09".to_string()]);
            let d09 = Scope::new(code("500114"), Role::DepartmentHandler, Some("D09".into()));
            let d05 = Scope::new(code("500114"), Role::DepartmentHandler, Some("D05".into()));
            assert!(store.get_event(&d09, a.id).await.unwrap().is_some());
            assert!(store.get_event(&d05, a.id).await.unwrap().is_none());
            let (d01_list, _) = store
                .list_events(
                    &Scope::new(code("500114"), Role::DepartmentHandler, Some("D01".into())),
                    &EventFilter {
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(d01_list.len(), 1);

            let (timeline, steps) = store.event_timeline(&district, a.id).await.unwrap();
            let names: Vec<&str> = timeline.iter().map(|t| t.action.as_str()).collect();
            assert_eq!(names, ["report", "register", "dispatch"]);
            assert_eq!(timeline[2].from_state.as_deref(), Some("registered"));
            assert_eq!(timeline[2].opinion.as_deref(), Some("请公安处置"));
            assert_eq!(
                steps
                    .iter()
                    .map(|s| (s.step.as_str(), s.on_time))
                    .collect::<Vec<_>>(),
                [("register", true), ("dispatch", true)]
            );
            let near = store
                .events_near("0602", now - 10, [108.0, 29.0, 108.01, 29.01])
                .await
                .unwrap();
            assert_eq!(near.len(), 2);
            chain::verify(&store.actions(0, i64::MAX).await.unwrap()).unwrap();
        })
        .await;
    }

    /// The risk evaluation's counts: per day and area from the indexes, a merged report
    /// taken out, an escalated one counted serious, other categories and channels left out.
    #[tokio::test]
    async fn reports_are_counted_per_day_and_area_without_merged_ones() {
        for_each_backend(|store| async move {
            let sys = Actor::system();
            let now = 1_795_775_400_000; // 2026-11-27 18:30 in China
            let day = zhili_domain::calendar::china_day(now);
            let mut made = Vec::new();
            for (i, grid) in [
                "500114001001001",
                "500114001001002",
                "500114001001001",
                "500114002001001",
            ]
            .iter()
            .enumerate()
            {
                let at = now + i as i64;
                made.push(
                    store
                        .create_event(&sys, &report(grid, at), at)
                        .await
                        .unwrap(),
                );
            }
            let change = |e: &zhili_store::EventRecord, edit: &dyn Fn(&mut Case)| {
                let mut case = e.case.clone();
                edit(&mut case);
                ChangeRequest {
                    actor: sys.clone(),
                    id: e.id,
                    expected_version: e.version,
                    change: EventChange {
                        action: "test".into(),
                        case,
                        from: e.case.status,
                        opinion: None,
                        attachments: "[]".into(),
                        step_done: None,
                        merged_into: None,
                    },
                    now: now + 10,
                }
            };
            let batch = EventBatch {
                reports: vec![],
                changes: vec![
                    change(&made[2], &|c| c.status = Status::Merged),
                    change(&made[1], &|c| c.escalations = 1),
                ],
            };
            store.write_events(&batch).await.unwrap();
            let store = &store;
            let counts = |categories: Vec<String>, channels: Vec<String>| async move {
                let rows = store
                    .report_counts(&zhili_store::ReportCounts {
                        from_day: day - 1,
                        to_day: day + 1,
                        area_digits: 12,
                        categories,
                        channels,
                    })
                    .await
                    .unwrap();
                let mut sums = std::collections::BTreeMap::new();
                for r in rows {
                    let e = sums.entry((r.day, r.grid_code)).or_insert((0, 0));
                    e.0 += r.n;
                    e.1 += r.serious;
                }
                sums.into_iter().collect::<Vec<_>>()
            };
            assert_eq!(
                counts(vec!["06".into(), "0602".into()], vec![]).await,
                [
                    ((day, "500114001001".to_string()), (2, 1)),
                    ((day, "500114002001".to_string()), (1, 0)),
                ],
                "three reports less the merged one, one escalated; a covered prefix not twice"
            );
            assert!(counts(vec!["07".into()], vec![])
                .await
                .iter()
                .all(|(_, s)| *s == (0, 0)));
            assert!(counts(vec![], vec!["hotline".into()]).await.is_empty());
            assert_eq!(counts(vec![], vec!["grid_patrol".into()]).await.len(), 2);
        })
        .await;
    }

    #[tokio::test]
    async fn one_batch_carries_reports_and_changes_and_only_one_of_two_racing_changes() {
        for_each_backend(|store| async move {
            let sys = Actor::system();
            let now = 1_795_775_400_000;
            let a = store
                .create_event(&sys, &report("500114001001001", now), now)
                .await
                .unwrap();
            let register = |at: i64| register_change(&a, at, "[]");
            let batch = EventBatch {
                reports: vec![
                    (sys.clone(), report("500114001001001", now + 1), now + 1),
                    (sys.clone(), report("500114002001001", now + 2), now + 2),
                ],
                changes: vec![register(now + 3), register(now + 4)],
            };
            let written = store.write_events(&batch).await.unwrap();
            assert_eq!(
                written
                    .created
                    .iter()
                    .map(|e| e.case_number.as_str())
                    .collect::<Vec<_>>(),
                ["500114-20261127-00002", "500114-20261127-00003"]
            );
            assert_eq!(written.changed.len(), 2);
            let first = written.changed[0].as_ref().unwrap();
            assert_eq!((first.case.status, first.version), (Status::Registered, 2));
            assert!(
                written.changed[1].is_err(),
                "the second change was computed from the same version: refused"
            );
            let district = Scope::new(code("500114"), Role::DistrictCommander, None);
            let (timeline, steps) = store.event_timeline(&district, a.id).await.unwrap();
            assert_eq!(timeline.len(), 2, "report and one register");
            let elsewhere = Scope::new(code("500114002"), Role::TownOperator, None);
            let seen = store.event_timeline(&elsewhere, a.id).await.unwrap();
            assert!(
                seen.0.is_empty() && seen.1.is_empty(),
                "another town reads nothing of the event's record"
            );
            assert_eq!(steps.len(), 1);
            // The created events are found by the duplicate search of their place.
            let near = store
                .events_near("0602", now - 10, [108.004, 29.004, 108.006, 29.006])
                .await
                .unwrap();
            assert_eq!(near.len(), 3);
            assert!(near[0].0 > near[2].0, "newest first");
            chain::verify(&store.actions(0, i64::MAX).await.unwrap()).unwrap();
        })
        .await;
    }

    #[tokio::test]
    async fn a_batch_that_fails_writes_nothing_and_the_writer_goes_on() {
        for_each_backend(|store| async move {
            let sys = Actor::system();
            let now = 1_795_775_400_000;
            let a = store
                .create_event(&sys, &report("500114001001001", now), now)
                .await
                .unwrap();
            let register = |at: i64, attachments: &str| register_change(&a, at, attachments);
            let records = store.actions(0, i64::MAX).await.unwrap().len();
            // A photo never stored: its link breaks the foreign key after the report and the
            // change's update were written in the same transaction.
            let failing = EventBatch {
                reports: vec![(sys.clone(), report("500114001001001", now + 1), now + 1)],
                changes: vec![register(now + 2, &format!("[\"{}\"]", "ab".repeat(32)))],
            };
            assert!(store.write_events(&failing).await.is_err());
            let district = Scope::new(code("500114"), Role::DistrictCommander, None);
            let kept = store.get_event(&district, a.id).await.unwrap().unwrap();
            assert_eq!((kept.case.status, kept.version), (Status::Reported, 1));
            assert_eq!(
                store.actions(0, i64::MAX).await.unwrap().len(),
                records,
                "no record of the failed batch"
            );
            let near = store
                .events_near("0602", now - 10, [108.0, 29.0, 108.01, 29.01])
                .await
                .unwrap();
            assert_eq!(near.len(), 1, "the failed batch's report is not there");
            // The next batch is written, numbered as if the failed one had never been.
            let written = store
                .write_events(&EventBatch {
                    reports: vec![(sys.clone(), report("500114001001001", now + 3), now + 3)],
                    changes: vec![register(now + 4, "[]")],
                })
                .await
                .unwrap();
            assert_eq!(written.created[0].case_number, "500114-20261127-00002");
            let changed = written.changed[0].as_ref().unwrap();
            assert_eq!(
                (changed.case.status, changed.version),
                (Status::Registered, 2)
            );
            let all = store.actions(0, i64::MAX).await.unwrap();
            assert_eq!(all.len(), records + 2);
            chain::verify(&all).unwrap();
        })
        .await;
    }
}
