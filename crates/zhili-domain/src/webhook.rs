//! Outbound webhooks as Standard Webhooks (v1) has them: what a message is signed with and
//! how (`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 over
//! `{id}.{timestamp}.{body}`, the exact bytes sent), the secret's shape, when a failed
//! delivery is tried again (backoff with jitter for a day, `Retry-After` honoured), what a
//! receiver's answer means (2xx delivered, 410 gone: the endpoint is disabled), which
//! endpoints may be called at all (http or https; never loopback, link-local, private or
//! other internal addresses unless the administrator allowed a range: no request forgery into
//! the network), and which of our records become which event types.

use crate::error::DomainError;
use crate::event::{Case, Status};
use crate::unit::UnitId;
use crate::RegionCode;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;

/// The start of every secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Seconds after the first attempt that each later attempt waits (then jittered ±10 %): now,
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
pub const SCHEDULE_SECS: [i64; 10] = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];
/// Longest a receiver's `Retry-After` may push an attempt.
pub const MAX_RETRY_AFTER_SECS: i64 = 86_400;
/// Longest address kept.
pub const URL_MAX: usize = 2000;

/// The event types a unit subscribes to.
pub const EVENT_TYPES: [&str; 7] = [
    "event.reported",
    "event.dispatched",
    "event.returned",
    "event.closed",
    "event.reopened",
    "event.overdue",
    "alert.raised",
];

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// A secret from 32 random bytes: `whsec_` and their base64.
pub fn format_secret(bytes: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", b64().encode(bytes))
}

/// The key bytes of a secret (`whsec_…`).
pub fn secret_bytes(secret: &str) -> Option<Vec<u8>> {
    let bytes = b64().decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    (24..=64).contains(&bytes.len()).then_some(bytes)
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub fn sign(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", b64().encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per secret in force (the new one and, while
/// a rotation overlaps, the old one), space-separated, so a receiver with either verifies.
pub fn signature_header(secrets: &[Vec<u8>], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| sign(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// When attempt `attempt` (0 = the first) is due, `first_at` the first attempt's time and
/// `jitter` a number in [0, 1); none once the day's attempts are spent.
pub fn attempt_due(attempt: usize, first_at: i64, jitter: f64) -> Option<i64> {
    let secs = *SCHEDULE_SECS.get(attempt)?;
    let spread = 0.9 + 0.2 * jitter.clamp(0.0, 1.0);
    Some(first_at + (secs as f64 * 1000.0 * spread) as i64)
}

/// What a receiver's answer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// 410 Gone: the receiver wants no more; the subscription is disabled.
    Gone,
    /// Try again, not before this time if the receiver said when (`Retry-After`).
    Retry {
        not_before: Option<i64>,
    },
}

/// A receiver's status (none: no answer — refused, timed out, not reachable).
pub fn outcome(status: Option<u16>, retry_after_secs: Option<i64>, now: i64) -> Outcome {
    match status {
        Some(200..=299) => Outcome::Delivered,
        Some(410) => Outcome::Gone,
        Some(429 | 502 | 503 | 504) => Outcome::Retry {
            not_before: retry_after_secs.map(|s| now + s.clamp(0, MAX_RETRY_AFTER_SECS) * 1000),
        },
        // 3xx is a failure (redirects are not followed), as is every other status.
        _ => Outcome::Retry { not_before: None },
    }
}

fn invalid(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

/// An endpoint's address checked before it is kept: http or https, a host, no user name or
/// password in it, at most 2,000 characters. (Where the host points is checked when it is
/// called: names can change what they resolve to.)
pub fn check_url(url: &str) -> Result<(), DomainError> {
    let bad = |en: &str, zh: &str| invalid("url", en, zh);
    if url.len() > URL_MAX || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "at most 2,000 characters, no spaces",
            "地址过长或含有空白字符",
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("http or https only", "只能使用 http 或 https 地址"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(bad(
            "a host, without a user name or password",
            "须有主机名，且不能含用户名或密码",
        ));
    }
    Ok(())
}

/// An IPv4 or IPv6 range as `address/prefix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub base: IpAddr,
    pub prefix: u8,
}

impl Range {
    pub fn parse(s: &str) -> Option<Range> {
        let (addr, prefix) = s.trim().split_once('/')?;
        let base: IpAddr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Range { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(i)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(b) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(i)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(b) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

/// Whether an address is inside the network (loopback, private, link-local, shared, unique
/// local, unspecified, multicast, broadcast, documentation, IPv4 inside IPv6).
pub fn internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
        }
    }
}

/// Whether an endpoint at `ip` may be called: outside the network, or inside a range the
/// administrator allowed.
pub fn may_call(ip: IpAddr, allowed: &[Range]) -> bool {
    !internal(ip) || allowed.iter().any(|r| r.contains(ip))
}

/// Whether a unit's subscription hears of a case: a department of the cases it leads, assists
/// or owns; a centre, station or police post of the cases in its area.
pub fn hears(unit: &UnitId, case: &Case) -> bool {
    match unit.region() {
        Some(region) => region == case.grid || region.contains(&case.grid),
        None => {
            case.owner == *unit
                || case.lead_unit.as_ref() == Some(unit)
                || case.assisting_units.contains(unit)
        }
    }
}

/// Whether a unit's subscription hears of a risk alert: a centre, station or police post of the
/// alerts on its area or any area inside it; a department of the alerts on its own figures.
pub fn hears_alert(unit: &UnitId, department_alert: bool, area_code: &str) -> bool {
    match (unit.region(), department_alert) {
        (Some(region), false) => {
            RegionCode::parse(area_code).is_ok_and(|area| area == region || region.contains(&area))
        }
        (None, true) => unit.as_str() == area_code,
        _ => false,
    }
}

/// The event type a recorded step on an event is, if subscribers hear of it.
pub fn event_type(action: &str, to: Option<Status>) -> Option<&'static str> {
    Some(match (action, to) {
        ("report", _) => "event.reported",
        ("dispatch", _) => "event.dispatched",
        ("return", _) => "event.returned",
        ("reopen", _) => "event.reopened",
        (_, Some(Status::Closed)) => "event.closed",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_does() {
        // The standard's own example (and what PyPI's standardwebhooks signs).
        let secret = secret_bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                b"{\"test\": 2432232314}"
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let two = signature_header(&[secret.clone(), vec![7; 32]], "m", 1, b"{}");
        assert_eq!(two.split(' ').count(), 2);
        assert!(two.starts_with(&sign(&secret, "m", 1, b"{}")));
        let s = format_secret(&[9; 32]);
        assert!(s.starts_with("whsec_") && secret_bytes(&s) == Some(vec![9; 32]));
        assert_eq!(secret_bytes("whsec_AAAA"), None, "too short a key");
        assert_eq!(secret_bytes("sk_abc"), None);
    }

    #[test]
    fn attempts_back_off_over_a_day_with_jitter() {
        assert_eq!(attempt_due(0, 1000, 0.5), Some(1000));
        assert_eq!(attempt_due(1, 0, 0.5), Some(5000));
        let last = attempt_due(9, 0, 0.0).unwrap();
        assert_eq!(last, (86_400_000.0 * 0.9) as i64);
        assert!(attempt_due(9, 0, 0.999).unwrap() < 86_400_000 * 11 / 10);
        assert_eq!(attempt_due(10, 0, 0.5), None);
    }

    #[test]
    fn answers_mean_what_the_standard_says() {
        assert_eq!(outcome(Some(204), None, 0), Outcome::Delivered);
        assert_eq!(outcome(Some(410), None, 0), Outcome::Gone);
        assert_eq!(
            outcome(Some(301), None, 0),
            Outcome::Retry { not_before: None }
        );
        assert_eq!(outcome(None, None, 0), Outcome::Retry { not_before: None });
        assert_eq!(
            outcome(Some(429), Some(30), 0),
            Outcome::Retry {
                not_before: Some(30_000)
            }
        );
        assert_eq!(
            outcome(Some(503), Some(10_000_000), 0),
            Outcome::Retry {
                not_before: Some(86_400_000)
            }
        );
    }

    #[test]
    fn only_outside_addresses_unless_allowed() {
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            let ip: IpAddr = inside.parse().unwrap();
            assert!(internal(ip), "{inside}");
            assert!(!may_call(ip, &[]), "{inside}");
        }
        for outside in ["1.1.1.1", "114.114.114.114", "2400:3200::1"] {
            assert!(may_call(outside.parse().unwrap(), &[]), "{outside}");
        }
        let lan = Range::parse("10.20.0.0/16").unwrap();
        assert!(may_call("10.20.3.4".parse().unwrap(), &[lan]));
        assert!(!may_call("10.21.3.4".parse().unwrap(), &[lan]));
        assert!(Range::parse("10.0.0.0/33").is_none() && Range::parse("x/8").is_none());
        assert!(Range::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn urls_are_http_with_a_host() {
        assert!(check_url("https://hooks.example.cn/zhili?unit=D09").is_ok());
        assert!(
            check_url("http://10.20.3.4:8080/in").is_ok(),
            "where it points is checked when called"
        );
        for bad in [
            "ftp://x/y",
            "file:///etc/passwd",
            "https://",
            "https://user:pw@host/",
            "gopher://a",
            "https://a b",
        ] {
            assert_eq!(
                check_url(bad).unwrap_err().field.as_deref(),
                Some("url"),
                "{bad}"
            );
        }
        assert!(check_url(&format!("https://a/{}", "x".repeat(URL_MAX))).is_err());
    }

    #[test]
    fn steps_become_event_types() {
        assert_eq!(
            event_type("report", Some(Status::Reported)),
            Some("event.reported")
        );
        assert_eq!(
            event_type("dispatch", Some(Status::Dispatched)),
            Some("event.dispatched")
        );
        assert_eq!(
            event_type("close", Some(Status::Closed)),
            Some("event.closed")
        );
        assert_eq!(event_type("accept", Some(Status::Accepted)), None);
        assert!(EVENT_TYPES.contains(&"event.returned"));
    }

    #[test]
    fn alerts_are_heard_by_their_area_or_their_department() {
        let town = UnitId::parse("C500114001").unwrap();
        let district = UnitId::parse("C500114").unwrap();
        let dept = UnitId::parse("D09").unwrap();
        assert!(hears_alert(&town, false, "500114001"));
        assert!(
            hears_alert(&town, false, "500114001002"),
            "a village inside"
        );
        assert!(!hears_alert(&town, false, "500114002"), "another town");
        assert!(!hears_alert(&town, false, "500114"), "the district above");
        assert!(hears_alert(&district, false, "500114001002003"));
        assert!(
            !hears_alert(&district, true, "D09"),
            "a department's own figures"
        );
        assert!(hears_alert(&dept, true, "D09"));
        assert!(!hears_alert(&dept, true, "D10"));
        assert!(!hears_alert(&dept, false, "500114"));
        assert!(!hears_alert(&district, false, "not a code"));
    }
}
