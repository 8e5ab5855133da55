//! The API against its own document, checked by a property-based contract fuzzer no one here
//! wrote (schemathesis, from PyPI): every operation, as roles that may and may not use it,
//! with all of its checks — statuses the document does not list, responses that break their
//! schema, schema-valid requests refused, schema-violating requests accepted, server errors.
//! Its settings, and the operations whose rules no schema can state, are in
//! `tests/contract/schemathesis.toml`.

use super::*;

/// The version the settings are written for (`.ci/run` installs it).
const SCHEMATHESIS: &str = "4.32.5";

/// Who the fuzzer signs in as, which phases it runs and how many cases it generates per
/// operation: the administrator (who may use every operation) through every phase, the
/// coverage phase walking each operation's boundaries; each other role through generated and
/// stateful cases, where the refusals and the views of its own are met.
const ROLES: [(&str, &str, u32); 6] = [
    ("admin", "examples,coverage,fuzzing,stateful", 10),
    ("district", "fuzzing,stateful", 6),
    ("village-500114001001", "fuzzing,stateful", 6),
    ("grid-500114001001001", "fuzzing,stateful", 6),
    ("dept-D09", "fuzzing,stateful", 6),
    ("leader", "fuzzing,stateful", 6),
];

fn schemathesis_installed() -> bool {
    std::process::Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(SCHEMATHESIS))
}

#[tokio::test]
async fn the_document_is_the_api_under_a_contract_fuzzer() {
    if std::env::var_os("ZHILI_SKIP_CONTRACT").is_some() {
        eprintln!("contract fuzzing skipped: ZHILI_SKIP_CONTRACT is set");
        return;
    }
    if !schemathesis_installed() {
        // CI installs it; elsewhere say how, rather than pass silently.
        assert!(
            std::env::var("CI").is_err(),
            "schemathesis {SCHEMATHESIS} is not installed (pip install schemathesis=={SCHEMATHESIS})"
        );
        eprintln!("contract fuzzing skipped: pip install schemathesis=={SCHEMATHESIS}");
        return;
    }
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    small_city(&s).await;
    let config =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contract/schemathesis.toml");
    let reports = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("contract");
    // schemathesis keeps its cache in the directory it runs in: the target's, not the tree.
    std::fs::create_dir_all(&reports).unwrap();
    let mut failed = Vec::new();
    // A resident's doors take a resident's token (a staff token is refused there): one more
    // pass holds one, signed up through the outbox as a resident would be.
    let resident = resident_token(&s).await;
    // Open311's keyed reads take a working key (the settings name it), so the fuzzer reaches
    // past the key check; a hotline system's, reading its own requests.
    let admin = s.token("admin").await;
    let body = json!({"unit_id": "D01", "name": "契约测试系统", "channels": ["hotline"], "reads": ["own_events"],
        "area_code": null, "expires_at": zhili_domain::time::rfc3339(zhili::now_ms() + 86_400_000)});
    let (status, issued) = post_json(&s, "/api/v1/api-keys", &admin, body).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let api_key = issued["key"].as_str().unwrap().to_string();
    let passes = ROLES
        .iter()
        .map(|&(role, phases, examples)| (role, phases, examples, None))
        .chain(std::iter::once((
            "resident",
            "examples,coverage,fuzzing,stateful",
            10,
            Some(resident),
        )));
    for (role, phases, examples, token) in passes {
        let token = match token {
            Some(t) => t,
            None => s.token(role).await,
        };
        let scope: &[&str] = if role == "resident" {
            // Signing out would end the session the rest of the run uses.
            &[
                "--include-path-regex",
                "^/api/v1/resident/",
                "--exclude-name",
                "DELETE /api/v1/resident/session",
            ]
        } else {
            &[]
        };
        let out = tokio::process::Command::new("schemathesis")
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("{}/api/openapi.json", s.base))
            .args(["--checks", "all", "--phases", phases, "--workers", "1"])
            .arg(format!("--max-examples={examples}"))
            // Signing out would end the session the rest of the run uses.
            .args(["--exclude-path", "/api/v1/auth/logout"])
            .args(scope)
            .arg("--header")
            .arg(format!("Authorization: Bearer {token}"))
            .arg("--report-junit-path")
            .arg(reports.join(format!("{role}.xml")))
            .arg("--report")
            .arg("junit")
            .env("NO_COLOR", "1")
            .env("ZHILI_FUZZ_API_KEY", &api_key)
            .current_dir(&reports)
            .output()
            .await
            .expect("schemathesis runs");
        let log = String::from_utf8_lossy(&out.stdout);
        let counts = log.lines().rev().find(|l| l.contains(" generated"));
        println!("{role}: {}", counts.unwrap_or("no summary").trim());
        if !out.status.success() {
            failed.push(format!(
                "== as {role} ==\n{log}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "contract failures:\n{}",
        failed.join("\n")
    );
    s.stop().await;
    db.drop_database().await.unwrap();
}

/// A resident's token, from a code the outbox holds, as a resident signs up.
async fn resident_token(s: &Server) -> String {
    let from: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    zhili::usecase::residents::request_code(&s.state, "13912345678", from)
        .await
        .unwrap();
    let held = s.store.outbox(Some("5678"), 1, 0).await.unwrap();
    let body = &held[0].body;
    let code = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap();
    zhili::usecase::residents::answer_code(&s.state, "13912345678", code, from)
        .await
        .unwrap()
        .token
}
