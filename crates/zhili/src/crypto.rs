//! Personal identifiers at rest: sealed with XChaCha20-Poly1305 under a data key that never
//! enters the database (a key file beside it, or `ZHILI_DATA_KEY`), and masked in lists.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use zhili_domain::DomainError;

/// Which field a sealed value belongs to: its name is bound into the ciphertext, so a value
/// sealed for one field never opens as another. A type, not a string, so a misspelt name
/// cannot make data that no one can ever open again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealed {
    ReporterPhone,
    PersonIdNumber,
    PersonPhone,
    OrgContactPhone,
    StaffPhone,
    /// A resident account's mobile number (and the outbox's copy of it).
    ResidentPhone,
    /// A generated document (it carries the parties' identifiers), base64.
    MediationDocument,
    /// A webhook subscription's signing secret (it must be read back to sign).
    WebhookSecret,
}

impl Sealed {
    /// The name bound as associated data (as stored since each field was first sealed).
    pub fn context(self) -> &'static str {
        match self {
            Sealed::ReporterPhone => "reporter_phone",
            Sealed::PersonIdNumber => "person.id_number",
            Sealed::PersonPhone => "person.phone",
            Sealed::OrgContactPhone => "org.contact_phone",
            Sealed::StaffPhone => "user.phone",
            Sealed::ResidentPhone => "resident.phone",
            Sealed::MediationDocument => "mediation.document",
            Sealed::WebhookSecret => "webhook.secret",
        }
    }
}

#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    pub fn generate() -> DataKey {
        DataKey(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    pub fn from_base64(text: &str) -> Result<DataKey, String> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|e| format!("the data key is not base64: {e}"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the data key must be 32 bytes".to_string())?;
        Ok(DataKey(key))
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// `ZHILI_DATA_KEY` if set; else the key file at `path`, created (mode 0600) on first use.
    pub fn load_or_create(path: &std::path::Path) -> Result<DataKey, String> {
        if let Ok(text) = std::env::var("ZHILI_DATA_KEY") {
            return DataKey::from_base64(&text);
        }
        match std::fs::read_to_string(path) {
            Ok(text) => DataKey::from_base64(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = DataKey::generate();
                write_private(path, &key.to_base64())
                    .map_err(|e| format!("cannot create the key file {}: {e}", path.display()))?;
                tracing::warn!(path = %path.display(), "created a new data key; back it up — without it encrypted fields cannot be read");
                Ok(key)
            }
            Err(e) => Err(format!("cannot read the key file {}: {e}", path.display())),
        }
    }

    /// base64(nonce ‖ ciphertext); the field's name is bound as associated data so a value
    /// cannot be moved to another field unnoticed.
    pub fn seal(&self, plaintext: &str, field: Sealed) -> String {
        let context = field.context();
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("encryption does not fail for in-memory buffers");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        B64.encode(out)
    }

    /// A keyed blind index (HMAC-SHA-256, hex) for exact lookup of a sealed value: equal
    /// values give equal indexes, and without the key the index tells nothing. The HMAC key
    /// is derived from the data key, so no second secret has to be kept.
    pub fn blind(&self, context: &str, value: &str) -> String {
        use hmac::{Hmac, Mac};
        let derive = |key: &[u8], message: &[u8]| {
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
                .expect("HMAC takes keys of any length");
            mac.update(message);
            mac.finalize().into_bytes()
        };
        let blind_key = derive(&self.0, b"zhili blind index v1");
        let mut message = context.as_bytes().to_vec();
        message.push(0);
        message.extend_from_slice(value.as_bytes());
        hex::encode(derive(&blind_key, &message))
    }

    /// The key one-time codes are hashed with (derived, so the data key itself is never fed
    /// to another construction).
    pub fn code_key(&self) -> [u8; 32] {
        let hex = self.blind("one-time code key", "");
        let mut key = [0u8; 32];
        let _ = hex::decode_to_slice(hex, &mut key);
        key
    }

    pub fn open(&self, sealed: &str, field: Sealed) -> Result<String, String> {
        let context = field.context();
        let bytes = B64
            .decode(sealed)
            .map_err(|_| "sealed value is not base64".to_string())?;
        if bytes.len() < 24 + 16 {
            return Err("sealed value is too short".into());
        }
        let (nonce, ct) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| "wrong key or altered value".to_string())?;
        String::from_utf8(plain).map_err(|_| "sealed value is not text".to_string())
    }
}

#[cfg(unix)]
pub(crate) fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// A phone number as digits (a leading +86 and separators dropped), checked for length.
pub fn normalize_phone(raw: &str) -> Result<String, DomainError> {
    let trimmed = raw.trim();
    let without_cc = trimmed.strip_prefix("+86").unwrap_or(trimmed);
    let digits: String = without_cc
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            DomainError::invalid("reporter.phone", "a phone number is 7 to 15 digits")
                .zh("电话号码应为7至15位数字"),
        );
    }
    Ok(digits)
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(digits: &str) -> String {
    let n = digits.len();
    if n <= 7 {
        return format!("{}***", &digits[..n.min(2)]);
    }
    format!("{}{}{}", &digits[..3], "*".repeat(n - 7), &digits[n - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let key = DataKey::generate();
        let sealed = key.seal("13812345678", Sealed::ReporterPhone);
        assert!(!sealed.contains("13812345678"));
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
            DataKey::from_base64(&key.to_base64())
                .unwrap()
                .open(&sealed, Sealed::ReporterPhone)
                .unwrap(),
            "13812345678"
        );
    }

    #[test]
    fn phones_are_normalized_and_masked() {
        assert_eq!(normalize_phone("+86 138-1234-5678").unwrap(), "13812345678");
        assert!(normalize_phone("12345").is_err());
        assert!(normalize_phone("1381234567x").is_err());
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("02388889999"), "023****9999");
    }
}
