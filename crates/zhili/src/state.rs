//! What the server holds: the store, the current region index, the sign-in policy and a
//! short-lived cache of resolved tokens (so a hot read path does not hit the database).

use crate::crypto::DataKey;
use crate::reference::Reference;
use crate::regions::RegionIndex;
use crate::writer::{spawn_code_writer, spawn_event_writer, spawn_point_writer, WriteJob};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use zhili_domain::chain::Actor;
use zhili_domain::user::{LoginPolicy, User};
use zhili_store::Store;

/// How long a resolved token is trusted without asking the database again. A token revoked
/// by another process (a password change from the CLI) stops working within this time;
/// a logout through this server ends it at once.
pub const TOKEN_CACHE_MS: i64 = 10_000;
const TOKEN_CACHE_MAX: usize = 100_000;

/// Exact identifier lookups per account per 24 hours, unless configured.
pub const DEFAULT_LOOKUP_BUDGET: i64 = 5_000;

pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Where the reads that tolerate lag go (a streaming replica, `--read-database`); the
    /// store itself when none is set.
    lagging_reads: std::sync::OnceLock<Arc<dyn Store>>,
    index: RwLock<Arc<RegionIndex>>,
    reference: RwLock<Arc<Reference>>,
    /// Seals personal identifiers (reporter phones) at rest.
    pub key: DataKey,
    pub policy: LoginPolicy,
    tokens: Mutex<HashMap<String, (User, i64)>>,
    /// Systems' keys by digest, as read (and when), like the sessions: a system's every
    /// request would otherwise read its key and try to note its use.
    system_keys: Mutex<HashMap<String, (zhili_store::ApiKeyRecord, i64)>>,
    /// Reports and changes waiting for the event writer (group commit).
    writer: tokio::sync::mpsc::Sender<WriteJob>,
    /// Residents' code requests and answers waiting for their writer (group commit).
    code_writer: tokio::sync::mpsc::Sender<(
        zhili_store::CodeJob,
        tokio::sync::oneshot::Sender<Result<zhili_store::CodeOutcome, zhili_store::StoreError>>,
    )>,
    /// Points awards, claims and redemptions waiting for their writer (group commit).
    point_writer: tokio::sync::mpsc::Sender<(zhili_store::PointJob, crate::writer::PointReply)>,
    /// New and changed events, for the live streams (this process's changes).
    pub notices: tokio::sync::broadcast::Sender<EventNotice>,
    /// Alerts the evaluation raised here, for the live streams of those who see them.
    pub alert_notices: tokio::sync::broadcast::Sender<AlertNotice>,
    /// Serialises index rebuilds so two triggers do not build twice.
    rebuild: tokio::sync::Mutex<()>,
    /// Built map layers by ETag (the ETag names the boundary generation, so a stale entry is
    /// never asked for again; the map is small and bounded by levels × areas).
    map_layers: Mutex<HashMap<String, axum::body::Bytes>>,
    /// Dashboard summaries by scope, role and region, at the record's head and the minute they
    /// were made in: every change appends to the record, and overdue moves with the clock, so
    /// the screens of a centre that all show the same area share one count per change.
    pub summaries: crate::answer_memo::AnswerMemo,
    /// The map's open events by scope, at the layer's sequence and the minute (its ETag): the
    /// district's is megabytes of GeoJSON, written once per change, not once per request.
    pub open_event_answers: crate::answer_memo::AnswerMemo,
    /// Open events for the map, caught up from the record on each use.
    pub open_events: crate::open_layer::OpenLayer,
    /// Running and recent spreadsheet imports by "username/id", with when they started.
    pub imports: Mutex<HashMap<String, (i64, Arc<crate::usecase::sheet_import::Progress>)>>,
    /// Imports read, check and hold a whole sheet: one at a time, so the memory an import
    /// may take (bounded by `sheet_file::LIMITS`) is taken once.
    pub import_slots: tokio::sync::Semaphore,
    /// Password checks (argon2id, ~19 MiB each), one per core; see `auth::PasswordChecks`.
    pub password_checks: crate::auth::PasswordChecks,
    /// One sign-in at a time per name.
    pub sign_in_turns: crate::usecase::sign_in::Turns,
    /// Reverse proxies in front of this server: for a request from one of them, the client's
    /// address is the last `X-Forwarded-For` hop that is not a proxy (sign-in failures are
    /// counted per address, so behind a proxy every client would otherwise be one place).
    pub trusted_proxies: std::sync::RwLock<Vec<std::net::IpAddr>>,
    /// Exact identifier lookups one account may make in 24 hours (searches by ID number,
    /// duplicate checks of registrations and imports); see `zhili_store::Store::charge_lookups`.
    pub lookup_budget: std::sync::atomic::AtomicI64,
    /// The basemap the operator supplied, if any (`zhili serve --basemap` / `--tile-url`).
    basemap: std::sync::RwLock<Option<Arc<crate::basemap::Basemap>>>,
    /// Where notices for the other servers of a shared database go (PostgreSQL only).
    relay: std::sync::OnceLock<tokio::sync::mpsc::Sender<crate::relay::Outgoing>>,
    /// Who sends text messages (an SMS provider's adapter; the outbox when there is none).
    sender: std::sync::RwLock<Arc<dyn crate::texts::TextSender>>,
    /// Woken when a message is queued here, so it goes out at once.
    pub messages_queued: tokio::sync::Notify,
    /// Code requests and code answers per address (residents sign up from anywhere).
    pub code_requests: crate::texts::AddressWindow,
    pub code_answers: crate::texts::AddressWindow,
    /// Sign-ins, reports, reveals and exports per account and per address.
    pub rate_limits: crate::rate_limit::RateCounter,
}

/// What a live stream tells about an event: enough to show it and to decide who may see it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EventNotice {
    pub id: i64,
    pub case_number: String,
    /// `report` for a new event, else the action taken.
    pub action: String,
    pub status: String,
    pub category: String,
    pub grid_code: String,
    pub lon: f64,
    pub lat: f64,
    pub lead_unit: Option<String>,
    #[serde(default)]
    pub assisting_units: Vec<String>,
    pub at: String,
}

impl EventNotice {
    pub fn of(e: &zhili_store::EventRecord, action: &str, at: i64) -> EventNotice {
        EventNotice {
            id: e.id,
            case_number: e.case_number.clone(),
            action: action.to_string(),
            status: e.case.status.as_str().to_string(),
            category: e.category.clone(),
            grid_code: e.case.grid.to_string(),
            lon: e.lon,
            lat: e.lat,
            lead_unit: e.case.lead_unit.as_ref().map(|u| u.to_string()),
            assisting_units: e
                .case
                .assisting_units
                .iter()
                .map(|u| u.to_string())
                .collect(),
            at: zhili_domain::time::rfc3339(at),
        }
    }

    /// The same rule as the storage scope filter: the subtree, and for departments only
    /// what they lead or assist.
    pub fn visible_to(&self, scope: &zhili_domain::Scope) -> bool {
        zhili_domain::RegionCode::parse(&self.grid_code)
            .is_ok_and(|g| scope.sees_event(&g, self.lead_unit.as_deref(), &self.assisting_units))
    }
}

/// What a live stream tells about a raised alert.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlertNotice {
    pub id: i64,
    pub indicator_code: String,
    pub indicator_name: String,
    pub area_level: String,
    pub area_code: String,
    pub area_name: String,
    pub level: String,
    pub level_name: String,
    pub observed: f64,
    pub expected: f64,
    pub raised_on: String,
}

impl AlertNotice {
    /// The same rule as the storage's alert scope: a region's alerts inside the reader's area,
    /// a department's to itself and to the district-wide readers.
    pub fn visible_to(&self, scope: &zhili_domain::Scope) -> bool {
        if self.area_level == "department" {
            match &scope.department {
                Some(_) => scope.risk_departments().contains(&self.area_code.as_str()),
                None => {
                    scope.whole_subtree() && scope.root.level() == zhili_domain::Level::District
                }
            }
        } else {
            scope.covers_area(&self.area_code)
        }
    }
}

impl AppState {
    async fn write(
        &self,
        job: WriteJob,
        answer: tokio::sync::oneshot::Receiver<
            Result<zhili_store::EventRecord, zhili_store::StoreError>,
        >,
    ) -> Result<zhili_store::EventRecord, zhili_store::StoreError> {
        let stopped = || zhili_store::StoreError::Internal("the event writer has stopped".into());
        self.writer.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Writes a resident's code request or answer through the code writer; answers once it is
    /// durable.
    pub async fn write_code(
        &self,
        job: zhili_store::CodeJob,
    ) -> Result<zhili_store::CodeOutcome, zhili_store::StoreError> {
        let stopped = || zhili_store::StoreError::Internal("the code writer has stopped".into());
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.code_writer
            .send((job, reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Writes a points request or redemption through the points writer; answers once it is
    /// durable (or refused, with nothing written).
    pub async fn write_points(
        &self,
        job: zhili_store::PointJob,
    ) -> Result<zhili_store::PointOutcome, zhili_store::StoreError> {
        let stopped = || zhili_store::StoreError::Internal("the points writer has stopped".into());
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.point_writer
            .send((job, reply))
            .await
            .map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())??
            .map_err(zhili_store::StoreError::Domain)
    }

    /// Writes a report through the event writer; answers once it is durable.
    pub async fn submit_report(
        &self,
        actor: Actor,
        event: zhili_store::NewEvent,
        now: i64,
    ) -> Result<zhili_store::EventRecord, zhili_store::StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = WriteJob::Report {
            actor,
            event,
            now,
            reply,
        };
        self.write(job, answer).await
    }

    /// Writes a change through the event writer if the event is still at the version the
    /// change was computed from; answers once it is durable.
    pub async fn submit_change(
        &self,
        request: zhili_store::ChangeRequest,
    ) -> Result<zhili_store::EventRecord, zhili_store::StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.write(WriteJob::Change { request, reply }, answer)
            .await
    }

    /// Tells live streams here and, through the relay, on the other servers.
    pub fn notify(&self, notice: EventNotice) {
        if let Some(relay) = self.relay.get() {
            // A full relay drops the notice for the other servers only: live notices are a
            // convenience, the record is the truth.
            let _ = relay.try_send(crate::relay::Outgoing::Notice(Box::new(notice.clone())));
        }
        self.notify_here(notice);
    }

    /// Tells this server's live streams; nobody listening is fine.
    pub fn notify_here(&self, notice: EventNotice) {
        let _ = self.notices.send(notice);
    }

    /// Tells a raised alert to the live streams here and, through the relay, on the other
    /// servers (the one that evaluated raised it; the others would find it already there).
    pub fn announce_alert(&self, notice: AlertNotice) {
        if let Some(relay) = self.relay.get() {
            let _ = relay.try_send(crate::relay::Outgoing::Alert(Box::new(notice.clone())));
        }
        let _ = self.alert_notices.send(notice);
    }

    pub async fn new(
        store: Arc<dyn Store>,
        policy: LoginPolicy,
        key: DataKey,
    ) -> Result<Arc<AppState>, zhili_store::StoreError> {
        let index = RegionIndex::load(store.as_ref()).await?;
        // First start: store the shipped reference data; afterwards the database is the source.
        store
            .seed_reference(
                &Actor::system(),
                &crate::reference::defaults(),
                crate::now_ms(),
            )
            .await?;
        let reference = Reference::from_data(&store.reference().await?)
            .map_err(zhili_store::StoreError::Internal)?;
        let store_for_writer = store.clone();
        let state = Arc::new(AppState {
            store,
            lagging_reads: std::sync::OnceLock::new(),
            index: RwLock::new(Arc::new(index)),
            reference: RwLock::new(Arc::new(reference)),
            key,
            policy,
            tokens: Mutex::new(HashMap::new()),
            system_keys: Mutex::new(HashMap::new()),
            notices: tokio::sync::broadcast::channel(1024).0,
            alert_notices: tokio::sync::broadcast::channel(256).0,
            code_writer: spawn_code_writer(store_for_writer.clone()),
            point_writer: spawn_point_writer(store_for_writer.clone()),
            writer: spawn_event_writer(store_for_writer),
            rebuild: tokio::sync::Mutex::new(()),
            map_layers: Mutex::new(HashMap::new()),
            summaries: crate::answer_memo::AnswerMemo::new(512, 16 << 20),
            open_event_answers: crate::answer_memo::AnswerMemo::new(256, 64 << 20),
            open_events: Default::default(),
            imports: Mutex::new(HashMap::new()),
            import_slots: tokio::sync::Semaphore::new(1),
            password_checks: crate::auth::PasswordChecks::for_this_machine(),
            sign_in_turns: Default::default(),
            lookup_budget: std::sync::atomic::AtomicI64::new(DEFAULT_LOOKUP_BUDGET),
            basemap: std::sync::RwLock::new(None),
            trusted_proxies: Default::default(),
            relay: std::sync::OnceLock::new(),
            sender: std::sync::RwLock::new(Arc::new(crate::texts::Outbox)),
            messages_queued: tokio::sync::Notify::new(),
            code_requests: crate::texts::AddressWindow::new(30, 10 * 60_000),
            code_answers: crate::texts::AddressWindow::new(60, 10 * 60_000),
            rate_limits: crate::rate_limit::RateCounter::new(Default::default()),
        });
        if let Some(relay) = crate::relay::start(&state).await? {
            let _ = state.relay.set(relay);
        }
        Ok(state)
    }

    /// The text sender in use.
    pub fn sender(&self) -> Arc<dyn crate::texts::TextSender> {
        self.sender
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Plugs in a text sender (an SMS provider's adapter).
    pub fn set_sender(&self, sender: Arc<dyn crate::texts::TextSender>) {
        *self.sender.write().unwrap_or_else(|e| e.into_inner()) = sender;
    }

    /// Charges `n` exact identifier lookups to `actor`'s account and records them; refuses
    /// with 429 `rate_limited` (and when to retry) past the account's budget.
    pub async fn charge_lookups(
        &self,
        actor: &Actor,
        n: usize,
        subject: &str,
        note: &str,
    ) -> Result<(), zhili_store::StoreError> {
        charge_lookups(
            self.store.as_ref(),
            actor,
            self.lookup_budget
                .load(std::sync::atomic::Ordering::Relaxed),
            n,
            subject,
            note,
        )
        .await
    }

    /// Where a request comes from: the peer, or behind a trusted proxy the client it names.
    pub fn client_address(
        &self,
        peer: std::net::IpAddr,
        headers: &axum::http::HeaderMap,
    ) -> std::net::IpAddr {
        let proxies = self
            .trusted_proxies
            .read()
            .unwrap_or_else(|e| e.into_inner());
        client_address(peer.to_canonical(), headers, &proxies)
    }

    pub fn index(&self) -> Arc<RegionIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Re-reads the reference data after an edit here, and tells the other servers to.
    pub async fn reference_changed(&self) -> Result<(), zhili_store::StoreError> {
        self.reload_reference().await?;
        if let Some(relay) = self.relay.get() {
            let _ = relay.try_send(crate::relay::Outgoing::ReferenceChanged);
        }
        Ok(())
    }

    /// Re-reads the reference data.
    pub async fn reload_reference(&self) -> Result<(), zhili_store::StoreError> {
        let fresh = Reference::from_data(&self.store.reference().await?)
            .map_err(zhili_store::StoreError::Internal)?;
        *self.reference.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        Ok(())
    }

    pub fn reference(&self) -> Arc<Reference> {
        self.reference
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Rebuilds the region index if boundaries changed since it was built.
    pub async fn refresh_index(&self) -> Result<bool, zhili_store::StoreError> {
        let _guard = self.rebuild.lock().await;
        let generation = self.store.regions_generation().await?;
        if generation == self.index().generation {
            return Ok(false);
        }
        let fresh = RegionIndex::load(self.store.as_ref()).await?;
        tracing::info!(
            generation = fresh.generation,
            grids = fresh.grids.len(),
            "region index rebuilt"
        );
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        Ok(true)
    }

    pub fn cached_user(&self, token_hash: &str, now: i64) -> Option<User> {
        let cache = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(token_hash)
            .filter(|(_, at)| now - at < TOKEN_CACHE_MS)
            .map(|(u, _)| u.clone())
    }

    pub fn cache_user(&self, token_hash: &str, user: &User, now: i64) {
        let mut cache = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= TOKEN_CACHE_MAX {
            cache.retain(|_, (_, at)| now - *at < TOKEN_CACHE_MS);
            if cache.len() >= TOKEN_CACHE_MAX {
                cache.clear();
            }
        }
        cache.insert(token_hash.to_string(), (user.clone(), now));
    }

    /// A system's key read within the cache's 10 s, by its digest.
    pub fn cached_key(&self, digest: &str, now: i64) -> Option<zhili_store::ApiKeyRecord> {
        let cache = self.system_keys.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(digest)
            .filter(|(_, at)| now - at < TOKEN_CACHE_MS)
            .map(|(k, _)| k.clone())
    }

    pub fn cache_key(&self, digest: &str, key: &zhili_store::ApiKeyRecord, now: i64) {
        let mut cache = self.system_keys.lock().unwrap_or_else(|e| e.into_inner());
        // Keys are few; a flood of unknown digests is never cached (only keys found are).
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(digest.to_string(), (key.clone(), now));
    }

    /// Forgets the cached keys: a revocation or rotation here holds at once (other servers'
    /// caches expire by age, within 10 s).
    pub fn forget_keys(&self) {
        self.system_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Forgets every cached session, so the next request of each reads its account afresh:
    /// after staffing changes what grid staff see. (Other servers' caches expire by age.)
    pub fn forget_sessions(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn cached_map(&self, etag: &str) -> Option<axum::body::Bytes> {
        self.map_layers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(etag)
            .cloned()
    }

    pub fn cache_map(&self, etag: &str, body: axum::body::Bytes) {
        let mut layers = self.map_layers.lock().unwrap_or_else(|e| e.into_inner());
        // Entries of older generations are dead weight: drop everything now and then.
        if layers.len() >= 256 {
            layers.clear();
        }
        layers.insert(etag.to_string(), body);
    }

    pub fn basemap(&self) -> Option<Arc<crate::basemap::Basemap>> {
        self.basemap
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The store for reads that tolerate a few seconds' lag — the dashboard's figures and
    /// trend, the exported lists: a replica when one is set, so the primary keeps its
    /// capacity for writes and the reads that must see them.
    pub fn lagging_reads(&self) -> &dyn Store {
        self.lagging_reads.get().unwrap_or(&self.store).as_ref()
    }

    /// Sends the reads that tolerate lag to `store` (once, at start).
    pub fn set_lagging_reads(&self, store: Arc<dyn Store>) {
        let _ = self.lagging_reads.set(store);
    }

    pub fn set_basemap(&self, basemap: Option<crate::basemap::Basemap>) {
        *self.basemap.write().unwrap_or_else(|e| e.into_inner()) = basemap.map(Arc::new);
    }

    /// Ends the cached sessions of one account (its tokens are revoked in the store).
    pub fn forget_user(&self, id: i64) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (u, _)| u.id != id);
    }

    pub fn forget_token(&self, token_hash: &str) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(token_hash);
    }
}

/// Charges `n` exact identifier lookups against `budget` (see `AppState::charge_lookups`).
pub async fn charge_lookups(
    store: &dyn Store,
    actor: &Actor,
    budget: i64,
    n: usize,
    subject: &str,
    note: &str,
) -> Result<(), zhili_store::StoreError> {
    let wait = store
        .charge_lookups(actor, n as i64, budget, subject, note, crate::now_ms())
        .await?;
    match wait {
        None => Ok(()),
        Some(ms) => Err(zhili_store::StoreError::Domain(
            zhili_domain::DomainError::new(
                zhili_domain::ErrorCode::RateLimited,
                format!(
                    "an account may look up {budget} identity numbers in 24 hours; {n} more do not fit"
                ),
            )
            .zh(format!("每个账号24小时内最多按证件号码查询{budget}次，剩余次数不足"))
            .retry_after(ms),
        )),
    }
}

/// The client behind trusted proxies: walking `X-Forwarded-For` from the right (the hop
/// nearest this server), the first address that is not a trusted proxy. A client can put
/// anything on the left of the header, so only what the proxies appended is believed.
pub fn client_address(
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
    proxies: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !proxies.contains(&peer) {
        return peer;
    }
    let hops: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|h| h.trim().parse::<std::net::IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    hops.into_iter()
        .rev()
        .find(|ip| !proxies.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 10.1.2.3".parse().unwrap());
        let proxies = [ip("127.0.0.1")];
        // From the proxy: the hop it appended, not what the client wrote before it.
        assert_eq!(
            client_address(ip("127.0.0.1"), &h, &proxies),
            ip("10.1.2.3")
        );
        // From anyone else the header is ignored.
        assert_eq!(client_address(ip("10.9.9.9"), &h, &proxies), ip("10.9.9.9"));
        // Two proxies in a row: the first address that is not one of them.
        let two = [ip("127.0.0.1"), ip("10.1.2.3")];
        assert_eq!(client_address(ip("127.0.0.1"), &h, &two), ip("6.6.6.6"));
        assert_eq!(
            client_address(ip("127.0.0.1"), &axum::http::HeaderMap::new(), &proxies),
            ip("127.0.0.1")
        );
    }
}
