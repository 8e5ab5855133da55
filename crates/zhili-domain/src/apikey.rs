//! API keys for the departments' systems (the video platform, the hotline, the city brain): what
//! a key looks like, what it may do, when it works, and how it is rotated. A key is shown once as
//! `zk_<id>_<secret>`; only its SHA-256 is kept (a key is 32 random bytes, so no slow hash is
//! needed), beside the recognisable `zk_<id>` part that lists and logs show. Rotation makes a
//! successor with the same scopes and lets the old key work on for an overlap, never longer than
//! it would have anyway — a known failure elsewhere is a rotation that loses the key's scopes.

use crate::code::RegionCode;
use crate::error::DomainError;
use crate::event::Channel;
use sha2::{Digest, Sha256};

/// The recognisable start of every key (and of the part lists show).
pub const PREFIX: &str = "zk_";
/// Characters of the public id after the prefix.
pub const ID_LEN: usize = 10;
/// Characters of the secret (base32 of 32 random bytes, unpadded).
pub const SECRET_LEN: usize = 52;
/// Longest a rotated key keeps working beside its successor.
pub const MAX_OVERLAP_DAYS: i64 = 30;
/// Longest a key is issued for.
pub const MAX_LIFETIME_DAYS: i64 = 3 * 366;
const DAY_MS: i64 = 86_400_000;
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// What a key may read besides reporting through its channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Read {
    /// The events it reported (their status, for a caller following up).
    OwnEvents,
    /// The feed of changes in its area (JSON lines from a cursor).
    Feed,
}

impl Read {
    pub const ALL: [Read; 2] = [Read::OwnEvents, Read::Feed];

    pub fn as_str(self) -> &'static str {
        match self {
            Read::OwnEvents => "own_events",
            Read::Feed => "feed",
        }
    }

    pub fn parse(s: &str) -> Option<Read> {
        Read::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What a key may do, kept with it and carried over to its successor.
#[derive(Clone, Debug, PartialEq)]
pub struct Scopes {
    /// The intake channels it reports through (none: it only reads).
    pub channels: Vec<Channel>,
    pub reads: Vec<Read>,
    /// The area it reports into and reads: the district or a part of it.
    pub area: RegionCode,
}

fn invalid(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

/// Checks a key's scopes and its lifetime before it is issued.
pub fn check(name: &str, scopes: &Scopes, now: i64, expires_at: i64) -> Result<(), DomainError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "name",
            "name the system (1–100 characters)",
            "请填写接入系统名称（1–100 字）",
        ));
    }
    if scopes.channels.is_empty() && scopes.reads.is_empty() {
        return Err(invalid(
            "channels",
            "a key must be allowed something",
            "请至少选择一个上报渠道或读取权限",
        ));
    }
    // Channels people use, and the meetings' own, are never a system's.
    for (i, c) in scopes.channels.iter().enumerate() {
        if matches!(
            c,
            Channel::Assessment | Channel::WalkIn | Channel::GridPatrol | Channel::Resident
        ) {
            return Err(invalid(
                &format!("channels[{i}]"),
                format!("{} is not a channel systems report through", c.as_str()),
                format!("“{}”不是系统接入的上报渠道", c.label_zh()),
            ));
        }
    }
    if expires_at <= now || expires_at - now > MAX_LIFETIME_DAYS * DAY_MS {
        return Err(invalid(
            "expires_at",
            format!("a key expires after now and within {MAX_LIFETIME_DAYS} days"),
            "有效期须晚于当前时间且不超过三年",
        ));
    }
    Ok(())
}

/// The key shown once, from 6 random bytes for its id and 32 for its secret.
pub fn format_key(id_bytes: [u8; 6], secret: [u8; 32]) -> String {
    format!(
        "{PREFIX}{}_{}",
        &base32(&id_bytes)[..ID_LEN],
        &base32(&secret)[..SECRET_LEN]
    )
}

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The part of a presented key that lists and logs may show (`zk_<id>`), when it has the
/// shape of a key at all: anything else is refused before it is hashed or looked up.
pub fn public_part(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let shaped = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| BASE32.contains(&b));
    (shaped(id, ID_LEN) && shaped(secret, SECRET_LEN)).then(|| &presented[..PREFIX.len() + ID_LEN])
}

/// What is kept of a key: its SHA-256, hex.
pub fn digest(presented: &str) -> String {
    hex::encode(Sha256::digest(presented.as_bytes()))
}

/// Why a key that exists does not work now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Revoked,
    Expired,
}

/// Whether a stored key works at `now`.
pub fn usable(expires_at: i64, revoked_at: Option<i64>, now: i64) -> Result<(), Refusal> {
    if revoked_at.is_some_and(|r| r <= now) {
        Err(Refusal::Revoked)
    } else if expires_at <= now {
        Err(Refusal::Expired)
    } else {
        Ok(())
    }
}

/// A rotation: until when the old key keeps working (its own end if sooner), checked.
pub fn rotation_end(old_expires_at: i64, overlap_hours: i64, now: i64) -> Result<i64, DomainError> {
    if !(0..=MAX_OVERLAP_DAYS * 24).contains(&overlap_hours) {
        return Err(invalid(
            "overlap_hours",
            format!("0 to {} hours", MAX_OVERLAP_DAYS * 24),
            format!("新旧密钥并行时间为 0 至 {} 小时", MAX_OVERLAP_DAYS * 24),
        ));
    }
    Ok(old_expires_at.min(now + overlap_hours * 3_600_000))
}

/// Whether the key's scopes let it report through `channel` at a place in `grid`.
pub fn may_report(scopes: &Scopes, channel: Channel, grid: &RegionCode) -> bool {
    scopes.channels.contains(&channel) && scopes.area.contains(grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(channels: Vec<Channel>, reads: Vec<Read>) -> Scopes {
        Scopes {
            channels,
            reads,
            area: RegionCode::parse("500114").unwrap(),
        }
    }

    #[test]
    fn a_key_has_its_shape_and_only_its_digest_is_kept() {
        let key = format_key([7; 6], [200; 32]);
        assert!(
            key.starts_with("zk_") && key.len() == 3 + ID_LEN + 1 + SECRET_LEN,
            "{key}"
        );
        assert_eq!(public_part(&key), Some(&key[..13]));
        assert_ne!(format_key([7; 6], [201; 32]), key);
        assert_eq!(digest(&key).len(), 64);
        assert_ne!(digest(&key), digest(&format_key([7; 6], [201; 32])));
        for bad in [
            "",
            "zk_",
            "zk_abc_def",
            &key[..key.len() - 1],
            &key.replace("zk_", "zz_"),
            &format!("{key}x"),
            &key.to_uppercase(),
        ] {
            assert_eq!(public_part(bad), None, "{bad}");
        }
    }

    #[test]
    fn scopes_and_lifetime_are_checked() {
        let now = 1_000 * DAY_MS;
        let ok = scopes(vec![Channel::VideoAlert], vec![Read::OwnEvents]);
        assert!(check("雪亮工程视频平台", &ok, now, now + 365 * DAY_MS).is_ok());
        let field = |r: Result<(), DomainError>| r.unwrap_err().field.unwrap();
        assert_eq!(field(check(" ", &ok, now, now + DAY_MS)), "name");
        assert_eq!(
            field(check("x", &scopes(vec![], vec![]), now, now + DAY_MS)),
            "channels"
        );
        assert_eq!(
            field(check(
                "x",
                &scopes(vec![Channel::Hotline, Channel::Assessment], vec![]),
                now,
                now + DAY_MS
            )),
            "channels[1]"
        );
        assert_eq!(field(check("x", &ok, now, now)), "expires_at");
        assert_eq!(
            field(check("x", &ok, now, now + 1200 * DAY_MS)),
            "expires_at"
        );
        assert!(check("只读", &scopes(vec![], vec![Read::Feed]), now, now + DAY_MS).is_ok());
        assert!(Read::ALL
            .iter()
            .all(|r| Read::parse(r.as_str()) == Some(*r)));
    }

    #[test]
    fn a_key_works_until_revoked_or_expired_and_a_rotation_never_extends_it() {
        assert_eq!(usable(100, None, 99), Ok(()));
        assert_eq!(usable(100, None, 100), Err(Refusal::Expired));
        assert_eq!(usable(100, Some(50), 60), Err(Refusal::Revoked));
        assert_eq!(
            usable(100, Some(70), 60),
            Ok(()),
            "a revocation set for later"
        );
        let now = 10 * DAY_MS;
        assert_eq!(rotation_end(now + 30 * DAY_MS, 24, now), Ok(now + DAY_MS));
        assert_eq!(
            rotation_end(now + 3_600_000, 24, now),
            Ok(now + 3_600_000),
            "not past its own end"
        );
        assert_eq!(rotation_end(now + DAY_MS, 0, now), Ok(now));
        assert!(rotation_end(now + DAY_MS, 31 * 24, now).is_err());
        assert!(rotation_end(now + DAY_MS, -1, now).is_err());
    }

    #[test]
    fn a_key_reports_only_through_its_channels_into_its_area() {
        let mut s = scopes(vec![Channel::VideoAlert], vec![]);
        s.area = RegionCode::parse("500114001").unwrap();
        let inside = RegionCode::parse("500114001001001").unwrap();
        let outside = RegionCode::parse("500114002001001").unwrap();
        assert!(may_report(&s, Channel::VideoAlert, &inside));
        assert!(!may_report(&s, Channel::Hotline, &inside));
        assert!(!may_report(&s, Channel::VideoAlert, &outside));
    }
}
