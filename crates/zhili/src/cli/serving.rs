//! `zhili serve`: the API on an existing database.

use super::*;

pub(super) async fn serve(db: &Db, policy: &Policy, bind: &str) -> ExitCode {
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    serve_store(Arc::new(store), policy, bind, &db.key_file()).await
}

pub(super) async fn serve_store(
    store: Arc<dyn Store>,
    policy: &Policy,
    bind: &str,
    key_file: &std::path::Path,
) -> ExitCode {
    let basemap = match policy.basemap().await {
        Ok(b) => b,
        Err(e) => return fail(format!("basemap: {e}")),
    };
    let key = match zhili::crypto::DataKey::load_or_create(key_file) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let state = match AppState::new(store, policy.login_policy(), key).await {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot load regions: {e}")),
    };
    state.set_basemap(basemap);
    state.lookup_budget.store(
        policy.lookup_budget.max(0),
        std::sync::atomic::Ordering::Relaxed,
    );
    *state
        .trusted_proxies
        .write()
        .unwrap_or_else(|e| e.into_inner()) = policy.trusted_proxies.clone();
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {bind}: {e}")),
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| bind.to_string());
    let index = state.index();
    println!(
        "zhili serving on http://{addr}/  ({} grids in the locate index)",
        index.grids.len()
    );
    match http::serve(state, listener).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("server stopped: {e}")),
    }
}
