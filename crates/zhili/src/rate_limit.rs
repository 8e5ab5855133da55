//! Rate limits per account and per address on the doors an attacker with an ordinary account
//! (or none) would lean on: signing in, filing reports, revealing identifiers, exporting
//! lists. Each is a count per minute in a fixed window; past it the answer is 429
//! `rate_limited` with `Retry-After`. An IPv6 address counts by its /64 (one household or
//! office gets one), an IPv4 address by itself. The limits are settings (`ZHILI_RATE_LIMITS`),
//! with `off` for load tests.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use zhili_domain::{DomainError, ErrorCode};

/// What is limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Door {
    SignIn,
    Intake,
    Reveal,
    Export,
}

impl Door {
    const ALL: [Door; 4] = [Door::SignIn, Door::Intake, Door::Reveal, Door::Export];

    fn name(self) -> &'static str {
        match self {
            Door::SignIn => "sign_in",
            Door::Intake => "intake",
            Door::Reveal => "reveal",
            Door::Export => "export",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Door::SignIn => "登录",
            Door::Intake => "上报",
            Door::Reveal => "查看完整信息",
            Door::Export => "导出",
        }
    }
}

/// Requests a minute per account and per address (0: no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub per_account: u32,
    pub per_address: u32,
}

/// Every door's rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub sign_in: Rate,
    pub intake: Rate,
    pub reveal: Rate,
    pub export: Rate,
}

impl Default for RateLimits {
    /// Far above what a person does (a grid worker files a report in a minute or more; a
    /// desk reveals a few numbers an hour), far below what a script does. A town centre's
    /// staff behind one address share its per-address counts, so those are wide.
    fn default() -> Self {
        RateLimits {
            sign_in: Rate {
                per_account: 10,
                per_address: 60,
            },
            intake: Rate {
                per_account: 120,
                per_address: 3_000,
            },
            reveal: Rate {
                per_account: 30,
                per_address: 300,
            },
            export: Rate {
                per_account: 10,
                per_address: 60,
            },
        }
    }
}

impl RateLimits {
    pub const OFF: RateLimits = RateLimits {
        sign_in: Rate {
            per_account: 0,
            per_address: 0,
        },
        intake: Rate {
            per_account: 0,
            per_address: 0,
        },
        reveal: Rate {
            per_account: 0,
            per_address: 0,
        },
        export: Rate {
            per_account: 0,
            per_address: 0,
        },
    };

    fn rate(&self, door: Door) -> Rate {
        match door {
            Door::SignIn => self.sign_in,
            Door::Intake => self.intake,
            Door::Reveal => self.reveal,
            Door::Export => self.export,
        }
    }

    fn rate_mut(&mut self, door: Door) -> &mut Rate {
        match door {
            Door::SignIn => &mut self.sign_in,
            Door::Intake => &mut self.intake,
            Door::Reveal => &mut self.reveal,
            Door::Export => &mut self.export,
        }
    }

    /// `off`, or the defaults with some doors changed: `sign_in=10/60,export=5/30`
    /// (per account / per address, a minute; 0 for no limit).
    pub fn parse(text: &str) -> Result<RateLimits, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(RateLimits::OFF);
        }
        let mut limits = RateLimits::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || format!("{part:?}: write door=ACCOUNT/ADDRESS, e.g. sign_in=10/60");
            let (name, rate) = part.split_once('=').ok_or_else(bad)?;
            let door = Door::ALL
                .into_iter()
                .find(|d| d.name() == name.trim())
                .ok_or_else(|| {
                    format!("{name:?} is not a door (sign_in, intake, reveal, export)")
                })?;
            let (a, b) = rate.split_once('/').ok_or_else(bad)?;
            *limits.rate_mut(door) = Rate {
                per_account: a.trim().parse().map_err(|_| bad())?,
                per_address: b.trim().parse().map_err(|_| bad())?,
            };
        }
        Ok(limits)
    }
}

const WINDOW_MS: i64 = 60_000;
/// Keys remembered per door and kind before the ones whose window ended are forgotten.
const MAX_KEYS: usize = 100_000;

/// The counts of the current windows.
pub struct RateCounter {
    limits: std::sync::RwLock<RateLimits>,
    seen: Mutex<HashMap<(Door, Key), (i64, u32)>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// An address as it is counted: IPv6 by its /64.
fn counted(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl RateCounter {
    pub fn new(limits: RateLimits) -> RateCounter {
        RateCounter {
            limits: std::sync::RwLock::new(limits),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// New limits, counted from now.
    pub fn set(&self, limits: RateLimits) {
        *self.limits.write().unwrap_or_else(|e| e.into_inner()) = limits;
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn limits(&self) -> RateLimits {
        *self.limits.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one request at `door` by `account` (if known) from `address` at `now`; the
    /// refusal, with the wait, when either count is past its rate. A refused request is not
    /// counted.
    pub fn take(
        &self,
        door: Door,
        account: Option<&str>,
        address: IpAddr,
        now: i64,
    ) -> Result<(), DomainError> {
        let rate = self.limits().rate(door);
        let mut keys = Vec::with_capacity(2);
        if let Some(a) = account.filter(|_| rate.per_account > 0) {
            keys.push((Key::Account(a.to_string()), rate.per_account));
        }
        if rate.per_address > 0 {
            keys.push((Key::Address(counted(address)), rate.per_address));
        }
        if keys.is_empty() {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > MAX_KEYS {
            seen.retain(|_, (start, _)| now - *start < WINDOW_MS);
        }
        let mut wait = 0;
        for (key, limit) in &keys {
            if let Some((start, n)) = seen.get(&(door, key.clone())) {
                if now - start < WINDOW_MS && n >= limit {
                    wait = wait.max(start + WINDOW_MS - now);
                }
            }
        }
        if wait > 0 {
            return Err(DomainError::new(
                ErrorCode::RateLimited,
                format!("too many {} requests; try again later", door.name()),
            )
            .zh(format!("{}过于频繁，请稍后再试", door.zh()))
            .retry_after(wait.max(1)));
        }
        for (key, _) in keys {
            let entry = seen.entry((door, key)).or_insert((now, 0));
            if now - entry.0 >= WINDOW_MS {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_and_an_address_each_get_their_rate_per_minute() {
        let limits = RateLimits::parse("export=2/3").unwrap();
        assert_eq!(
            limits.export,
            Rate {
                per_account: 2,
                per_address: 3
            }
        );
        assert_eq!(limits.sign_in, RateLimits::default().sign_in);
        let c = RateCounter::new(limits);
        let home: IpAddr = "10.0.0.1".parse().unwrap();
        let away: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(c.take(Door::Export, Some("a"), home, 0).is_ok());
        assert!(c.take(Door::Export, Some("a"), home, 10).is_ok());
        let e = c.take(Door::Export, Some("a"), away, 20).unwrap_err();
        assert_eq!(
            (e.code, e.retry_after_ms),
            (ErrorCode::RateLimited, Some(59_980))
        );
        // Another account at the same address: the address has one left.
        assert!(c.take(Door::Export, Some("b"), home, 30).is_ok());
        assert!(c.take(Door::Export, Some("b"), home, 40).is_err());
        assert!(
            c.take(Door::Export, Some("b"), away, 40).is_ok(),
            "refusals are not counted"
        );
        // Other doors count apart; a new window starts afresh.
        assert!(c.take(Door::Reveal, Some("a"), home, 50).is_ok());
        assert!(c.take(Door::Export, Some("a"), home, 60_000).is_ok());
    }

    #[test]
    fn an_ipv6_household_counts_as_one_and_off_is_off() {
        let c = RateCounter::new(RateLimits::parse("sign_in=0/1").unwrap());
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let two: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(c.take(Door::SignIn, Some("x"), one, 0).is_ok());
        assert!(
            c.take(Door::SignIn, Some("y"), two, 0).is_err(),
            "the same /64"
        );
        assert!(c.take(Door::SignIn, Some("y"), other, 0).is_ok());
        let off = RateCounter::new(RateLimits::parse("off").unwrap());
        for _ in 0..1000 {
            assert!(off.take(Door::Intake, Some("x"), one, 0).is_ok());
        }
        for bad in ["sign_in=1", "login=1/2", "export=a/2", "export=1/2/3"] {
            assert!(RateLimits::parse(bad).is_err(), "{bad}");
        }
    }
}
