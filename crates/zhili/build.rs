//! Builds the web app (web/: Vue 3, Element Plus, ECharts, MapLibre) with npm and embeds the
//! result, so the one `zhili` binary serves its own UI and nothing is fetched at run time.
//!
//! `ZHILI_WEB_DIST=<dir>` embeds an already built app instead (for machines without Node).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let web = manifest.join("../../web");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    println!("cargo:rerun-if-env-changed=ZHILI_WEB_DIST");
    let dist = match env::var_os("ZHILI_WEB_DIST") {
        Some(dir) => {
            println!("cargo:rerun-if-changed={}", PathBuf::from(&dir).display());
            PathBuf::from(dir)
        }
        None => {
            for watched in [
                "src",
                "index.html",
                "package.json",
                "package-lock.json",
                "vite.config.ts",
                "tsconfig.json",
                "tsconfig.app.json",
                "tsconfig.node.json",
            ] {
                println!("cargo:rerun-if-changed={}", web.join(watched).display());
            }
            build_web(&web, &out.join("web-dist"))
        }
    };
    embed(&dist, &out.join("web_assets.rs"));
}

fn npm(web: &Path, args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(web)
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run npm ({e}): the web UI is built with Node.js and npm (see README), or set ZHILI_WEB_DIST to a built app")
        });
    assert!(
        status.success(),
        "npm {} failed in {}",
        args.join(" "),
        web.display()
    );
}

fn build_web(web: &Path, dist: &Path) -> PathBuf {
    // Install exactly the locked packages when they are missing or the lock file changed.
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (
        fs::metadata(&installed),
        fs::metadata(web.join("package-lock.json")),
    ) {
        (Ok(i), Ok(l)) => l.modified().ok() > i.modified().ok(),
        _ => true,
    };
    if stale {
        npm(web, &["ci", "--no-audit", "--no-fund"]);
    }
    npm(web, &["exec", "--", "vue-tsc", "-b"]);
    let out = dist.to_str().expect("a UTF-8 OUT_DIR");
    npm(
        web,
        &[
            "exec",
            "--",
            "vite",
            "build",
            "--outDir",
            out,
            "--emptyOutDir",
            "--logLevel",
            "warn",
        ],
    );
    dist.to_path_buf()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

fn files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the built web app at {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            files(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).expect("under base");
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            out.push((url, path));
        }
    }
}

fn embed(dist: &Path, target: &Path) {
    let mut all = Vec::new();
    files(dist, dist, &mut all);
    assert!(
        all.iter().any(|(u, _)| u == "/index.html"),
        "the built web app at {} has no index.html",
        dist.display()
    );
    let mut code = String::from(
        "/// The built web app: (URL path, bytes, content type, ETag).\npub static ASSETS: &[(&str, &[u8], &str, &str)] = &[\n",
    );
    for (url, path) in all {
        let bytes = fs::read(&path).expect("readable asset");
        // FNV-1a of the content: enough to tell versions apart for revalidation.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in &bytes {
            h = (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        code.push_str(&format!(
            "    ({url:?}, include_bytes!({:?}), {:?}, \"\\\"{h:016x}\\\"\"),\n",
            path.canonicalize().expect("exists").display().to_string(),
            content_type(&url),
        ));
    }
    code.push_str("];\n");
    fs::write(target, code).expect("OUT_DIR is writable");
}
