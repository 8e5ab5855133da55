use super::*;
use zhili::demo::history::{generate, HistoryParams};

/// The web app in Debian's headless Chromium, driven by playwright-core
/// (web/tests/browser.mjs), against a real server with some history. Screenshots go to
/// ZHILI_SCREENSHOTS (default target/tmp/screenshots).
#[tokio::test]
async fn the_web_app_in_headless_chromium() {
    if std::env::var_os("ZHILI_SKIP_BROWSER").is_some() {
        eprintln!("browser tests skipped: ZHILI_SKIP_BROWSER is set");
        return;
    }
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    let reference =
        zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
    let params = HistoryParams {
        events: 3000,
        days: 60,
        now: zhili::now_ms(),
        seed: 5,
    };
    let key = zhili::crypto::DataKey::generate();
    let (items, _) = generate(plan(), &reference, &key, &params, &mut |_, _| {});
    s.store.load_history(&items).await.unwrap();
    // Components, cameras and organisations for the things page and the map layers;
    // houses and residents for the people pages.
    let actor = zhili_domain::chain::Actor::system();
    let population = demo::population::generate(
        plan(),
        &key,
        &demo::population::PopulationParams {
            seed: 5,
            now: zhili::now_ms(),
            people: 5_000,
        },
    );
    s.store
        .load_population(&actor, &population, zhili::now_ms())
        .await
        .unwrap();
    let things = demo::things::generate(plan(), 5, zhili::now_ms());
    s.store
        .create_things(&actor, &things, zhili::now_ms())
        .await
        .unwrap();
    let orgs = demo::things::orgs(plan(), &key, 5);
    s.store
        .create_orgs(&actor, &orgs, zhili::now_ms())
        .await
        .unwrap();
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let shots = std::env::var("ZHILI_SCREENSHOTS")
        .unwrap_or_else(|_| format!("{}/screenshots", env!("CARGO_TARGET_TMPDIR")));
    let out = tokio::process::Command::new("node")
        .arg("tests/browser.mjs")
        .current_dir(&web)
        .env("ZHILI_URL", &s.base)
        .env("ZHILI_PASSWORD", PASSWORD)
        .env("ZHILI_SCREENSHOTS", &shots)
        .output()
        .await
        .expect("node runs the browser tests (Node.js is needed to build the UI anyway)");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{log}");
    assert!(out.status.success(), "browser tests failed:\n{log}");
    s.stop().await;
    db.drop_database().await.unwrap();
}
