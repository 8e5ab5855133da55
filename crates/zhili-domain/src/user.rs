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
        Scope::new(self.region_code.clone(), self.role, self.department.clone())
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

/// Passwords: long enough to resist guessing; the hash is argon2id (in the app layer).
pub fn validate_password(password: &str) -> Result<(), DomainError> {
    if password.chars().count() < 8 {
        return Err(DomainError::invalid("password", "at least 8 characters"));
    }
    if password.len() > 1024 {
        return Err(DomainError::invalid("password", "at most 1024 bytes"));
    }
    Ok(())
}

/// Lockout after repeated failures: `max_failures` wrong passwords lock the account for
/// `lock_ms`; a success resets the count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoginPolicy {
    pub max_failures: i64,
    pub lock_ms: i64,
    pub token_ttl_ms: i64,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            max_failures: 5,
            lock_ms: 15 * 60 * 1000,
            token_ttl_ms: 12 * 3600 * 1000,
        }
    }
}

/// The sign-in counters stored with an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LoginState {
    pub failed_count: i64,
    pub locked_until: Option<i64>,
}

impl LoginPolicy {
    /// Refuses an attempt on a locked account before the password is even checked, so a
    /// locked account answers the same whether or not the guess was right.
    pub fn check_locked(&self, state: LoginState, now: i64) -> Result<(), DomainError> {
        match state.locked_until {
            Some(until) if until > now => Err(DomainError::new(
                ErrorCode::AccountLocked,
                format!(
                    "account locked after repeated failures; retry in {} s",
                    (until - now + 999) / 1000
                ),
            )),
            _ => Ok(()),
        }
    }

    pub fn after_failure(&self, state: LoginState, now: i64) -> LoginState {
        // A lock that has run out starts a fresh count.
        let base = if state.locked_until.is_some_and(|u| u <= now) {
            0
        } else {
            state.failed_count
        };
        let failed_count = base + 1;
        let locked_until = (failed_count >= self.max_failures).then_some(now + self.lock_ms);
        LoginState {
            failed_count,
            locked_until,
        }
    }

    pub fn after_success(&self) -> LoginState {
        LoginState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_the_configured_time() {
        let p = LoginPolicy::default();
        let mut s = LoginState::default();
        for i in 0..4 {
            s = p.after_failure(s, 1000 + i);
            assert!(p.check_locked(s, 1000 + i).is_ok());
        }
        s = p.after_failure(s, 2000);
        assert_eq!(s.failed_count, 5);
        let err = p.check_locked(s, 2001).unwrap_err();
        assert_eq!(err.code, ErrorCode::AccountLocked);
        assert!(p.check_locked(s, 2000 + p.lock_ms).is_ok());
        // After the lock expires one more failure does not re-lock at once.
        let s2 = p.after_failure(s, 2000 + p.lock_ms + 1);
        assert_eq!(s2.failed_count, 1);
        assert!(s2.locked_until.is_none());
        assert_eq!(p.after_success(), LoginState::default());
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
}
