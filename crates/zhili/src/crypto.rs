//! Personal identifiers at rest: sealed with XChaCha20-Poly1305 under a data key that never
//! enters the database (a key file beside it, or `ZHILI_DATA_KEY`), and masked in lists.

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
    pub const ALL: [Sealed; 8] = [
        Sealed::ReporterPhone,
        Sealed::PersonIdNumber,
        Sealed::PersonPhone,
        Sealed::OrgContactPhone,
        Sealed::StaffPhone,
        Sealed::ResidentPhone,
        Sealed::MediationDocument,
        Sealed::WebhookSecret,
    ];

    /// The field whose name is `context` (as the store lists its sealed columns).
    pub fn from_context(context: &str) -> Option<Sealed> {
        Sealed::ALL.into_iter().find(|f| f.context() == context)
    }

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

pub use crate::keyring::DataKey;

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
    fn phones_are_normalized_and_masked() {
        assert_eq!(normalize_phone("+86 138-1234-5678").unwrap(), "13812345678");
        assert!(normalize_phone("12345").is_err());
        assert!(normalize_phone("1381234567x").is_err());
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("02388889999"), "023****9999");
    }
}
