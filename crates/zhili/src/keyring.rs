//! The data key as a ring: the current key seals everything new; older keys still open what
//! they sealed (and find what they indexed) until the background re-seal has moved every
//! value to the current one (`key_rotation`). The ring lives outside the database: a key
//! file beside it (mode 0600), or `ZHILI_DATA_KEY`.
//!
//! The text of a ring is one key a line, the current first: `k<id>:<base64 of 32 bytes>`.
//! A single bare base64 line is the key every deployment began with (id 0), whose sealed
//! values carry no prefix; values sealed under a key with id > 0 begin `k<id>:` (base64 has
//! no colon, so the two never mix).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::crypto::Sealed;

/// The most keys a ring holds: a rotation adds one; retiring drops the old.
const MAX_KEYS: usize = 8;
/// How often a server may read the key file again because a value named a key it lacks.
const RELOAD_EVERY_MS: i64 = 1_000;

#[derive(Clone)]
struct Key {
    id: u32,
    bytes: [u8; 32],
    /// The blind index's HMAC key, derived once (it is used on every lookup).
    blind_key: [u8; 32],
}

impl Key {
    fn new(id: u32, bytes: [u8; 32]) -> Key {
        Key {
            id,
            bytes,
            blind_key: hmac(&bytes, b"zhili blind index v1"),
        }
    }

    fn blind(&self, context: &str, value: &str) -> String {
        let mut message = context.as_bytes().to_vec();
        message.push(0);
        message.extend_from_slice(value.as_bytes());
        hex::encode(hmac(&self.blind_key, &message))
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The keys, the current first; never empty.
#[derive(Clone)]
struct Ring(Vec<Key>);

impl Ring {
    fn parse(text: &str) -> Result<Ring, String> {
        let lines: Vec<&str> = text
            .split(['\n', ',', ' '])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            return Err("the data key is empty".into());
        }
        if lines.len() > MAX_KEYS {
            return Err(format!("a key ring holds at most {MAX_KEYS} keys"));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(lines.len());
        for (n, line) in lines.iter().enumerate() {
            let (id, b64) = match line.split_once(':') {
                Some((tag, b64)) => {
                    let id = tag
                        .strip_prefix('k')
                        .and_then(|d| d.parse::<u32>().ok())
                        .ok_or_else(|| format!("key {}: {tag:?} is not k<number>", n + 1))?;
                    (id, b64)
                }
                None => (0, *line),
            };
            let bytes = B64
                .decode(b64)
                .map_err(|e| format!("key {}: not base64: {e}", n + 1))?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| format!("key {}: a data key is 32 bytes", n + 1))?;
            if keys.iter().any(|k| k.id == id) {
                return Err(format!("key {}: the id k{id} appears twice", n + 1));
            }
            keys.push(Key::new(id, bytes));
        }
        Ok(Ring(keys))
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for k in &self.0 {
            if k.id == 0 {
                out.push_str(&B64.encode(k.bytes));
            } else {
                out.push_str(&format!("k{}:{}", k.id, B64.encode(k.bytes)));
            }
            out.push('\n');
        }
        out
    }

    fn current(&self) -> &Key {
        &self.0[0]
    }

    fn get(&self, id: u32) -> Option<&Key> {
        self.0.iter().find(|k| k.id == id)
    }
}

/// Which key sealed `sealed` (0 for a value with no prefix).
pub fn key_id_of(sealed: &str) -> Result<u32, String> {
    match sealed.split_once(':') {
        None => Ok(0),
        Some((tag, _)) => tag
            .strip_prefix('k')
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| "the sealed value names no key".to_string()),
    }
}

struct Shared {
    ring: RwLock<Arc<Ring>>,
    /// The file the ring was read from, read again when it changes.
    file: Option<PathBuf>,
    read: Mutex<FileSeen>,
}

#[derive(Default)]
struct FileSeen {
    text: Option<String>,
    at_ms: i64,
}

/// The data key ring. Clones share it: when the key file changes (a rotation, a retirement)
/// every holder sees the new ring.
#[derive(Clone)]
pub struct DataKey(Arc<Shared>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({:?})", self.ids())
    }
}

impl DataKey {
    fn of(ring: Ring, file: Option<PathBuf>, text: Option<String>) -> DataKey {
        DataKey(Arc::new(Shared {
            ring: RwLock::new(Arc::new(ring)),
            file,
            read: Mutex::new(FileSeen { text, at_ms: 0 }),
        }))
    }

    fn ring(&self) -> Arc<Ring> {
        self.0
            .ring
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A ring of one fresh key (id 0: sealed values without a prefix).
    pub fn generate() -> DataKey {
        DataKey::of(
            Ring(vec![Key::new(
                0,
                XChaCha20Poly1305::generate_key(&mut OsRng).into(),
            )]),
            None,
            None,
        )
    }

    /// A ring from its text (one key a line, the current first; or a single bare key).
    pub fn from_text(text: &str) -> Result<DataKey, String> {
        Ok(DataKey::of(Ring::parse(text)?, None, None))
    }

    /// The ring's text, as the key file holds it.
    pub fn to_text(&self) -> String {
        self.ring().text()
    }

    /// The ids of the ring's keys, the current first.
    pub fn ids(&self) -> Vec<u32> {
        self.ring().0.iter().map(|k| k.id).collect()
    }

    pub fn current_id(&self) -> u32 {
        self.ring().current().id
    }

    /// `ZHILI_DATA_KEY` if set; else the key file at `path`, created (mode 0600) on first
    /// use, and read again whenever it changes.
    pub fn load_or_create(path: &Path) -> Result<DataKey, String> {
        if let Ok(text) = std::env::var("ZHILI_DATA_KEY") {
            return DataKey::from_text(&text);
        }
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let ring = Ring::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(DataKey::of(ring, Some(path.to_path_buf()), Some(text)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = DataKey::generate();
                let text = key.to_text();
                crate::crypto::write_private(path, &text)
                    .map_err(|e| format!("cannot create the key file {}: {e}", path.display()))?;
                tracing::warn!(path = %path.display(), "created a new data key; back it up — without it encrypted fields cannot be read");
                Ok(DataKey::of(
                    key.ring().as_ref().clone(),
                    Some(path.to_path_buf()),
                    Some(text),
                ))
            }
            Err(e) => Err(format!("cannot read the key file {}: {e}", path.display())),
        }
    }

    /// The key file read again: the ring changes when its text did. A file that cannot be
    /// read or does not parse leaves the ring as it was (and says why).
    pub fn reload(&self) -> Result<bool, String> {
        let Some(path) = &self.0.file else {
            return Ok(false);
        };
        let mut seen = self.0.read.lock().unwrap_or_else(|e| e.into_inner());
        seen.at_ms = crate::now_ms();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
        if seen.text.as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        let ring = Ring::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        // A ring that drops the key everything is sealed under would make the data unreadable:
        // only the operator's `zhili key retire` (which checks first) removes keys.
        *self.0.ring.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(ring);
        seen.text = Some(text);
        tracing::info!(keys = ?self.ids(), "the data key ring changed");
        Ok(true)
    }

    /// base64(nonce ‖ ciphertext) under the current key, prefixed `k<id>:` unless the key is
    /// the first (id 0); the field's name is bound as associated data so a value cannot be
    /// moved to another field unnoticed.
    pub fn seal(&self, plaintext: &str, field: Sealed) -> String {
        let ring = self.ring();
        let key = ring.current();
        let cipher = XChaCha20Poly1305::new(&key.bytes.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: field.context().as_bytes(),
                },
            )
            .expect("encryption does not fail for in-memory buffers");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        match key.id {
            0 => B64.encode(out),
            id => format!("k{id}:{}", B64.encode(out)),
        }
    }

    pub fn open(&self, sealed: &str, field: Sealed) -> Result<String, String> {
        let id = key_id_of(sealed)?;
        let key = match self.ring().get(id) {
            Some(k) => k.clone(),
            None => {
                // Another process may have rotated the ring since this one read it.
                self.reload_for_unknown_key();
                self.ring()
                    .get(id)
                    .cloned()
                    .ok_or_else(|| format!("sealed under key k{id}, which the key ring lacks"))?
            }
        };
        let body = sealed.split_once(':').map_or(sealed, |(_, b)| b);
        let bytes = B64
            .decode(body)
            .map_err(|_| "sealed value is not base64".to_string())?;
        if bytes.len() < 24 + 16 {
            return Err("sealed value is too short".into());
        }
        let (nonce, ct) = bytes.split_at(24);
        let plain = XChaCha20Poly1305::new(&key.bytes.into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: field.context().as_bytes(),
                },
            )
            .map_err(|_| "wrong key or altered value".to_string())?;
        String::from_utf8(plain).map_err(|_| "sealed value is not text".to_string())
    }

    fn reload_for_unknown_key(&self) {
        let due = {
            let seen = self.0.read.lock().unwrap_or_else(|e| e.into_inner());
            crate::now_ms() - seen.at_ms >= RELOAD_EVERY_MS
        };
        if due {
            if let Err(e) = self.reload() {
                tracing::warn!("{e}");
            }
        }
    }

    /// The keyed blind index (HMAC-SHA-256, hex) of a value under the current key, as it is
    /// stored: equal values give equal indexes, and without the key the index tells nothing.
    /// The HMAC key is derived from the data key, so no second secret has to be kept.
    pub fn blind(&self, context: &str, value: &str) -> String {
        self.ring().current().blind(context, value)
    }

    /// The value's blind index under every key of the ring, the current first: what a
    /// lookup matches while a rotation has not yet re-keyed every stored index.
    pub fn blinds(&self, context: &str, value: &str) -> Vec<String> {
        self.ring()
            .0
            .iter()
            .map(|k| k.blind(context, value))
            .collect()
    }

    /// The keys one-time codes are hashed with, the current first (derived, so the data key
    /// itself is never fed to another construction).
    pub fn code_keys(&self) -> Vec<[u8; 32]> {
        self.ring()
            .0
            .iter()
            .map(|k| {
                let mut key = [0u8; 32];
                let _ = hex::decode_to_slice(k.blind("one-time code key", ""), &mut key);
                key
            })
            .collect()
    }

    pub fn code_key(&self) -> [u8; 32] {
        self.code_keys()[0]
    }

    /// The ring with a fresh key in front (its id one past the highest): what `zhili key
    /// rotate` writes. The old keys stay until every value has moved.
    pub fn rotated(&self) -> Result<DataKey, String> {
        let ring = self.ring();
        if ring.0.len() >= MAX_KEYS {
            return Err(format!(
                "the ring already holds {MAX_KEYS} keys: finish a rotation and retire the old keys first"
            ));
        }
        let id = ring.0.iter().map(|k| k.id).max().unwrap_or(0) + 1;
        let mut keys = vec![Key::new(
            id,
            XChaCha20Poly1305::generate_key(&mut OsRng).into(),
        )];
        keys.extend(ring.0.iter().cloned());
        Ok(DataKey::of(Ring(keys), None, None))
    }

    /// The ring of the current key alone.
    pub fn retired(&self) -> DataKey {
        DataKey::of(Ring(vec![self.ring().current().clone()]), None, None)
    }
}

/// Writes a ring's text to `path` in place of what was there, whole or not at all: a new
/// private file beside it, flushed to disk, then renamed over the old.
pub fn replace_file(path: &Path, key: &DataKey) -> Result<(), String> {
    let part = path.with_extension(format!(
        "{}new",
        path.extension()
            .map(|e| format!("{}.", e.to_string_lossy()))
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_file(&part);
    let fail = |e: std::io::Error| format!("cannot write the key file {}: {e}", part.display());
    crate::crypto::write_private(&part, &key.to_text()).map_err(fail)?;
    std::fs::File::open(&part)
        .and_then(|f| f.sync_all())
        .map_err(fail)?;
    std::fs::rename(&part, path)
        .map_err(|e| format!("cannot replace the key file {}: {e}", path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let key = DataKey::generate();
        let sealed = key.seal("13812345678", Sealed::ReporterPhone);
        assert!(!sealed.contains("13812345678"));
        assert!(
            !sealed.contains(':'),
            "the first key's values have no prefix"
        );
        assert_ne!(
            sealed,
            key.seal("13812345678", Sealed::ReporterPhone),
            "fresh nonce each time"
        );
        assert_eq!(
            key.open(&sealed, Sealed::ReporterPhone).unwrap(),
            "13812345678"
        );
        assert!(
            key.open(&sealed, Sealed::PersonIdNumber).is_err(),
            "bound to its field"
        );
        assert!(DataKey::generate()
            .open(&sealed, Sealed::ReporterPhone)
            .is_err());
        assert_eq!(
            DataKey::from_text(&key.to_text())
                .unwrap()
                .open(&sealed, Sealed::ReporterPhone)
                .unwrap(),
            "13812345678"
        );
    }

    #[test]
    fn a_rotated_ring_seals_new_and_opens_old() {
        let first = DataKey::generate();
        let old = first.seal("110101199003074514", Sealed::PersonIdNumber);
        let ring = first.rotated().unwrap();
        assert_eq!(ring.ids(), vec![1, 0]);
        let new = ring.seal("110101199003074514", Sealed::PersonIdNumber);
        assert!(new.starts_with("k1:"), "{new}");
        assert_eq!(key_id_of(&new), Ok(1));
        assert_eq!(key_id_of(&old), Ok(0));
        for v in [&old, &new] {
            assert_eq!(
                ring.open(v, Sealed::PersonIdNumber).unwrap(),
                "110101199003074514"
            );
        }
        assert!(first.open(&new, Sealed::PersonIdNumber).is_err());
        // A moved prefix does not open: the body is bound to its key.
        let forged = format!("k1:{old}");
        assert!(ring.open(&forged, Sealed::PersonIdNumber).is_err());

        let blinds = ring.blinds("id_number", "110101199003074514");
        assert_eq!(blinds.len(), 2);
        assert_eq!(blinds[0], ring.blind("id_number", "110101199003074514"));
        assert_eq!(blinds[1], first.blind("id_number", "110101199003074514"));
        assert_ne!(blinds[0], blinds[1], "the index is re-keyed");
        assert_eq!(ring.code_keys()[1], first.code_key());

        // The ring's text round-trips; the retired ring keeps only the current key.
        let again = DataKey::from_text(&ring.to_text()).unwrap();
        assert_eq!(again.open(&old, Sealed::PersonIdNumber).unwrap().len(), 18);
        let retired = ring.retired();
        assert_eq!(retired.ids(), vec![1]);
        assert!(retired.open(&old, Sealed::PersonIdNumber).is_err());
        assert!(retired.open(&new, Sealed::PersonIdNumber).is_ok());
        assert_eq!(ring.rotated().unwrap().ids(), vec![2, 1, 0]);
    }

    #[test]
    fn ring_texts_are_checked() {
        let key = DataKey::generate().rotated().unwrap().to_text();
        let bare = DataKey::generate().to_text();
        for (text, why) in [
            ("", "empty"),
            ("not base64!", "base64"),
            ("k1:AAAA", "32 bytes"),
            ("x1:AAAA", "k<number>"),
            (&format!("{bare}{bare}"), "twice"),
        ] {
            let e = DataKey::from_text(text).unwrap_err();
            assert!(e.contains(why), "{text:?}: {e}");
        }
        assert!(DataKey::from_text(&key).is_ok());
        assert!(key_id_of("kx:abc").is_err());
    }

    #[test]
    fn a_key_file_is_read_again_when_it_changes() {
        let dir = std::env::temp_dir().join(format!("zhili-ring-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("zhili.db.key");
        let serving = DataKey::load_or_create(&path).unwrap();
        let old = serving.seal("13812345678", Sealed::ResidentPhone);
        // The operator rotates while the server runs.
        let operator = DataKey::load_or_create(&path).unwrap();
        let rotated = operator.rotated().unwrap();
        replace_file(&path, &rotated).unwrap();
        let new = rotated.seal("13912345678", Sealed::ResidentPhone);
        // A value under the new key makes the server read the file again.
        assert_eq!(
            serving.open(&new, Sealed::ResidentPhone).unwrap(),
            "13912345678"
        );
        assert_eq!(serving.current_id(), 1);
        assert!(serving.seal("x", Sealed::ResidentPhone).starts_with("k1:"));
        assert_eq!(
            serving.open(&old, Sealed::ResidentPhone).unwrap(),
            "13812345678"
        );
        assert_eq!(serving.reload(), Ok(false), "unchanged");
        std::fs::write(&path, "damaged").unwrap();
        assert!(serving.reload().is_err());
        assert_eq!(serving.ids(), vec![1, 0], "a damaged file changes nothing");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            replace_file(&path, &rotated).unwrap();
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
