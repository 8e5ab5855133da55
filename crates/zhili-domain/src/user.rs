//! Users and the rules of signing in: who a user is anchored to, and when an account locks.

use crate::code::RegionCode;
use crate::error::{DomainError, ErrorCode};
use crate::role::Role;
use crate::scope::Scope;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<String>,
    /// Root of the user's region subtree.
    pub region_code: RegionCode,
    pub department: Option<String>,
    /// For staff on the grids: the grids they lead or are posted to, and those they cover
    /// for someone away, at the time the user was read.
    #[serde(skip)]
    pub grids: Vec<RegionCode>,
    /// The password was set by an administrator, or has expired: the session may only
    /// change it (`ErrorCode::PasswordChangeRequired` elsewhere).
    #[serde(skip)]
    pub must_change_password: bool,
}

impl User {
    /// Who the hash-chained record names for this user's actions.
    pub fn actor(&self) -> crate::chain::Actor {
        crate::chain::Actor {
            username: self.username.clone(),
            unit: self.unit_id.clone(),
        }
    }

    pub fn scope(&self) -> Scope {
        match self.role {
            // A grid worker always sees their own grid, whatever the postings say.
            crate::Role::GridWorker => {
                let mut grids = self.grids.clone();
                grids.push(self.region_code.clone());
                Scope::staffed(self.role, &self.region_code, &grids)
            }
            // A grid leader sees the grids they lead, not their whole village.
            crate::Role::GridLeader => Scope::staffed(self.role, &self.region_code, &self.grids),
            _ => Scope::new(self.region_code.clone(), self.role, self.department.clone()),
        }
    }

    /// Whether the user works on `grid` as its staff: their own grid, or one they lead,
    /// serve or cover.
    pub fn staffs(&self, grid: &RegionCode) -> bool {
        self.role.on_the_grids()
            && ((self.role == crate::Role::GridWorker && self.region_code == *grid)
                || self.grids.contains(grid))
    }
}

/// What a new account must satisfy, checked before anything is written.
pub fn validate_account(
    username: &str,
    role: Role,
    region: &RegionCode,
    department: Option<&str>,
) -> Result<(), DomainError> {
    validate_username(username)?;
    if region.level() != role.anchor_level() {
        return Err(DomainError::invalid(
            "region",
            format!(
                "a {} is anchored at a {} code, not {region}",
                role.as_str(),
                role.anchor_level().as_str()
            ),
        ));
    }
    match (role, department) {
        (Role::DepartmentHandler, None) => Err(DomainError::invalid(
            "department",
            "a department handler needs a department",
        )),
        (Role::DepartmentHandler, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(DomainError::invalid(
            "department",
            format!("a {} does not belong to a department", role.as_str()),
        )),
    }
}

pub fn validate_username(username: &str) -> Result<(), DomainError> {
    let ok_len = (2..=64).contains(&username.len());
    let ok_chars = username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "username",
            "2–64 characters of a–z, 0–9, '-', '_' or '.'",
        ))
    }
}

/// The longest password taken: a passphrase fits, a megabyte for the hash to chew does not.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Passwords: long enough to resist guessing; the hash is argon2id (in the app layer).
pub fn validate_password(password: &str) -> Result<(), DomainError> {
    if password.chars().count() < 8 {
        return Err(DomainError::invalid("password", "at least 8 characters"));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(DomainError::invalid(
            "password",
            format!("at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// What a password set for an account must be (GB/T 22239-2019 asks for complexity and,
/// where the operator wants it, periodic change): long enough, of several kinds of
/// character, not the account's name, not one of its last few passwords (checked by the
/// application, which holds the hashes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    /// Of lower-case letters, upper-case letters, digits and anything else.
    pub min_classes: usize,
    /// Earlier passwords a new one may not repeat.
    pub history: usize,
    /// How long a password lasts before it must be changed (`None`: it does not expire).
    pub max_age_ms: Option<i64>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_chars: 10,
            min_classes: 3,
            history: 5,
            max_age_ms: None,
        }
    }
}

impl PasswordPolicy {
    /// `password` as a new password of `username`, on its own (the history is the caller's).
    pub fn check(&self, password: &str, username: &str) -> Result<(), DomainError> {
        let refuse = |en: String, zh: String| Err(DomainError::invalid("password", en).zh(zh));
        let chars = password.chars().count();
        if chars < self.min_chars {
            return refuse(
                format!("at least {} characters", self.min_chars),
                format!("密码至少{}位", self.min_chars),
            );
        }
        if chars > MAX_PASSWORD_CHARS {
            return refuse(
                format!("at most {MAX_PASSWORD_CHARS} characters"),
                format!("密码最多{MAX_PASSWORD_CHARS}位"),
            );
        }
        let classes = [
            password.chars().any(|c| c.is_lowercase()),
            password.chars().any(|c| c.is_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_alphanumeric()),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if classes < self.min_classes {
            return refuse(
                format!(
                    "at least {} of: lower-case letters, upper-case letters, digits, other characters",
                    self.min_classes
                ),
                format!("密码须包含小写字母、大写字母、数字、其他字符中的至少{}类", self.min_classes),
            );
        }
        let name = username.trim().to_lowercase();
        if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
            return refuse(
                "the password may not contain the account's name".into(),
                "密码不能包含用户名".into(),
            );
        }
        Ok(())
    }

    /// A password set at `changed_at` must be changed now.
    pub fn expired(&self, changed_at: i64, now: i64) -> bool {
        self.max_age_ms.is_some_and(|age| now - changed_at >= age)
    }

    /// A new password that repeats one of the last ones.
    pub fn reused(&self) -> DomainError {
        DomainError::invalid(
            "password",
            format!("not one of the last {} passwords", self.history),
        )
        .zh(format!("不能与最近{}次使用过的密码相同", self.history))
    }
}

/// Lockout after repeated failures, counted per account *and* place (the address a sign-in
/// comes from), as the established sign-in services count them: wrong passwords from one
/// place lock the account there only, for a time that doubles with each further lock; the
/// owner signing in from a place where they signed in before gets through while an attack
/// runs elsewhere. Failures from all unfamiliar places together lock the account for every
/// unfamiliar place, so an attacker with many addresses gains little. Names that are not
/// accounts are counted and locked exactly the same, so locking tells nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoginPolicy {
    /// Wrong passwords from one place that lock the account there.
    pub max_failures: i64,
    /// The first lock; each further lock without a quiet spell doubles it.
    pub lock_ms: i64,
    /// The longest lock.
    pub max_lock_ms: i64,
    /// A quiet spell this long forgets failures and locks.
    pub reset_ms: i64,
    /// Wrong passwords from all unfamiliar places together that lock the account for them.
    pub max_unfamiliar_failures: i64,
    /// How long a place where the account signed in stays familiar.
    pub familiar_ms: i64,
    pub token_ttl_ms: i64,
    /// What a password set for an account must be, and how long it lasts.
    pub password: PasswordPolicy,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy::new(5, 15 * 60 * 1000, 12 * 3600 * 1000)
    }
}

/// The place that stands for every unfamiliar place of an account.
pub const UNFAMILIAR_PLACES: &str = "*";

/// The failure counters of an account at one place (or at every unfamiliar place).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Attempts {
    pub failures: i64,
    /// Locks in a row without a quiet spell: each doubles the next.
    pub locks: i64,
    pub locked_until: Option<i64>,
    pub last_failure_at: Option<i64>,
}

impl Attempts {
    fn locked_at(&self, now: i64) -> Option<i64> {
        self.locked_until.filter(|&until| until > now)
    }
}

impl LoginPolicy {
    /// The policy from the two numbers operators set (failures that lock, the first lock's
    /// length) and the token lifetime; the rest follows from them.
    pub fn new(max_failures: i64, lock_ms: i64, token_ttl_ms: i64) -> LoginPolicy {
        let max_failures = max_failures.max(1);
        LoginPolicy {
            max_failures,
            lock_ms: lock_ms.max(0),
            max_lock_ms: 24 * 3600 * 1000,
            reset_ms: 12 * 3600 * 1000,
            max_unfamiliar_failures: max_failures * 4,
            familiar_ms: 90 * 24 * 3600 * 1000,
            token_ttl_ms,
            password: PasswordPolicy::default(),
        }
    }

    /// Until when a sign-in from a place is refused before its password is even checked
    /// (so a locked place answers the same whether or not the guess was right): the
    /// place's own lock, or, for an unfamiliar place, the lock of all unfamiliar places.
    pub fn locked_until(
        &self,
        place: Attempts,
        unfamiliar: Option<Attempts>,
        now: i64,
    ) -> Option<i64> {
        let own = place.locked_at(now);
        let all = unfamiliar.and_then(|u| u.locked_at(now));
        own.max(all)
    }

    /// The refusal for a sign-in while locked.
    pub fn locked_error(&self, until: i64, now: i64) -> DomainError {
        let seconds = (until - now + 999) / 1000;
        DomainError::new(
            ErrorCode::AccountLocked,
            format!("too many wrong passwords from here; retry in {seconds} s"),
        )
        .zh(format!("密码错误次数过多，请{seconds}秒后再试"))
    }

    /// The counters after one more wrong password, where `limit` failures lock.
    pub fn after_failure(&self, before: Attempts, limit: i64, now: i64) -> Attempts {
        // Quiet since the last failure, or since the lock ended if that is later.
        let quiet = before
            .last_failure_at
            .max(before.locked_until)
            .is_none_or(|at| now - at >= self.reset_ms);
        let (failures, locks) = if quiet {
            (0, 0)
        } else if before.locked_until.is_some_and(|u| u <= now) {
            // A lock that has run out starts a fresh count, and remembers it happened.
            (0, before.locks)
        } else {
            (before.failures, before.locks)
        };
        let failures = failures + 1;
        if failures >= limit {
            let shift = locks.clamp(0, 30) as u32;
            let length = self
                .lock_ms
                .saturating_mul(1i64 << shift)
                .min(self.max_lock_ms);
            Attempts {
                failures,
                locks: locks + 1,
                locked_until: Some(now + length),
                last_failure_at: Some(now),
            }
        } else {
            Attempts {
                failures,
                locks,
                locked_until: before.locked_until.filter(|&u| u > now),
                last_failure_at: Some(now),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_a_place_for_a_time_that_doubles() {
        let p = LoginPolicy::default();
        let mut a = Attempts::default();
        for i in 0..4 {
            a = p.after_failure(a, p.max_failures, 1000 + i);
            assert_eq!(p.locked_until(a, None, 1000 + i), None);
        }
        a = p.after_failure(a, p.max_failures, 2000);
        assert_eq!(a.failures, 5);
        assert_eq!(p.locked_until(a, None, 2001), Some(2000 + p.lock_ms));
        let e = p.locked_error(2000 + p.lock_ms, 2001);
        assert_eq!(e.code, ErrorCode::AccountLocked);
        assert!(e.message_zh.is_some());
        assert_eq!(p.locked_until(a, None, 2000 + p.lock_ms), None);
        // After the lock runs out a fresh count starts, and the next lock is twice as long.
        let mut t = 2000 + p.lock_ms + 1;
        a = p.after_failure(a, p.max_failures, t);
        assert_eq!((a.failures, a.locks, a.locked_until), (1, 1, None));
        for _ in 0..4 {
            t += 1;
            a = p.after_failure(a, p.max_failures, t);
        }
        assert_eq!(a.locked_until, Some(t + 2 * p.lock_ms));
        // Locks grow up to the longest lock.
        for _ in 0..20 {
            t = a.locked_until.unwrap();
            for _ in 0..5 {
                a = p.after_failure(a, p.max_failures, t);
            }
        }
        assert_eq!(a.locked_until, Some(t + p.max_lock_ms));
        // A quiet spell forgets everything.
        let later = a.locked_until.unwrap() + p.reset_ms;
        a = p.after_failure(a, p.max_failures, later);
        assert_eq!((a.failures, a.locks, a.locked_until), (1, 0, None));
    }

    #[test]
    fn an_unfamiliar_place_is_also_held_by_the_lock_of_all_unfamiliar_places() {
        let p = LoginPolicy::default();
        let here = Attempts::default();
        let mut everywhere = Attempts::default();
        for i in 0..p.max_unfamiliar_failures {
            everywhere = p.after_failure(everywhere, p.max_unfamiliar_failures, 100 + i);
        }
        let until = everywhere.locked_until.unwrap();
        // A place never used before is held; a familiar place is asked without it.
        assert_eq!(p.locked_until(here, Some(everywhere), 200), Some(until));
        assert_eq!(p.locked_until(here, None, 200), None);
        // Configured numbers are kept sane.
        let q = LoginPolicy::new(0, -5, 1);
        assert_eq!((q.max_failures, q.lock_ms), (1, 0));
    }

    #[test]
    fn accounts_are_anchored_at_their_roles_level() {
        let town = RegionCode::parse("500114001").unwrap();
        let district = RegionCode::parse("500114").unwrap();
        assert!(validate_account("town-500114001", Role::TownOperator, &town, None).is_ok());
        assert!(validate_account("x1", Role::TownOperator, &district, None).is_err());
        assert!(validate_account("d1", Role::DepartmentHandler, &district, None).is_err());
        assert!(validate_account("d1", Role::DepartmentHandler, &district, Some("D01")).is_ok());
        assert!(validate_account("a1", Role::Admin, &district, Some("D01")).is_err());
        assert!(validate_account("a b", Role::Admin, &district, None).is_err());
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
    }

    #[test]
    fn a_password_is_long_of_several_kinds_and_not_the_name() {
        let p = PasswordPolicy::default();
        for (bad, why) in [
            ("Ab1-short", "at least 10"),
            ("alllowercase-only", "at least 3 of"),
            ("ALLUPPER12345", "at least 3 of"),
            ("Zhangsan-2026", "name"),
            ("xxZHANGSANxx9", "name"),
        ] {
            let e = p.check(bad, "zhangsan").unwrap_err();
            assert!(e.message.contains(why), "{bad}: {}", e.message);
            assert_eq!(e.field.as_deref(), Some("password"));
            assert!(e.message_zh.is_some());
        }
        for good in ["Long-river-2026", "长江流水Abc123", "correct horse 9"] {
            assert!(p.check(good, "zhangsan").is_ok(), "{good}");
        }
        assert!(p.check(&"Aa1-".repeat(65), "x").is_err(), "bounded");
        // A name of one or two letters is in too many passwords to forbid.
        assert!(p.check("Lu-river-2026", "lu").is_ok());
        assert!(!p.expired(0, i64::MAX), "no expiry unless asked");
        let yearly = PasswordPolicy {
            max_age_ms: Some(365 * 86_400_000),
            ..p
        };
        assert!(!yearly.expired(0, 364 * 86_400_000));
        assert!(yearly.expired(0, 365 * 86_400_000));
    }
}
