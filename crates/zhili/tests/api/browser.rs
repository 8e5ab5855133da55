use super::*;

/// The web app in Debian's headless Chromium, driven by playwright-core
/// (web/tests/browser.mjs), against a real server with some history. Screenshots go to
/// ZHILI_SCREENSHOTS (default target/tmp/screenshots).
#[tokio::test]
async fn the_web_app_in_headless_chromium() {
    if std::env::var_os("ZHILI_SKIP_BROWSER").is_some() {
        eprintln!("browser tests skipped: ZHILI_SKIP_BROWSER is set");
        return;
    }
    // The walk's webhook receiver listens on loopback: the operator allows that range here.
    std::env::set_var("ZHILI_WEBHOOK_ALLOW", "127.0.0.0/8");
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    small_city(&s).await;
    // Time passes for the points' public notice: the steps cannot wait a week, so what a
    // settling pass a month from now would credit is credited every second while they run.
    let clock_state = s.state.clone();
    let notice_passes = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let month_on = zhili::now_ms() + 31 * 86_400_000;
            let _ = zhili::usecase::points::settle(&clock_state, month_on).await;
        }
    });
    let web = web_with_packages();
    let shots = std::env::var("ZHILI_SCREENSHOTS")
        .unwrap_or_else(|_| format!("{}/screenshots", env!("CARGO_TARGET_TMPDIR")));
    let out = tokio::process::Command::new("node")
        .arg("tests/browser.mjs")
        .current_dir(web)
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
    notice_passes.abort();
    println!("{log}");
    assert!(out.status.success(), "browser tests failed:\n{log}");
    s.stop().await;
    db.drop_database().await.unwrap();
}
