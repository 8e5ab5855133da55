//! Residents as users: the mobile number they sign up with and the one-time code that proves
//! it. A code is six digits drawn by the caller from a secure source, kept only as a keyed
//! hash, good for five minutes and five tries, and spent by its first right answer (a replay
//! is refused). Codes for one number are rationed: one a minute, ten a day.

use crate::event::{MatterClass, Status};
use crate::{DomainError, ErrorCode};
use sha2::{Digest, Sha256};

/// How long a code is good for.
pub const CODE_TTL_MS: i64 = 5 * 60_000;
/// Wrong answers a code takes before it is spent.
pub const MAX_ATTEMPTS: u32 = 5;
/// The least time between two codes for one number.
pub const RESEND_AFTER_MS: i64 = 60_000;
/// Codes one number may be sent in a day (a rolling 24 hours).
pub const MAX_CODES_PER_DAY: usize = 10;
const DAY_MS: i64 = 86_400_000;

/// A mainland mobile number (11 digits from 13… to 19…), written with or without +86, spaces
/// or dashes; the digits, or the field at fault.
pub fn mobile(field: &str, raw: &str) -> Result<String, DomainError> {
    let digits: String = raw
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let digits = match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_string(),
        _ => digits,
    };
    let b = digits.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    if !ok {
        return Err(
            DomainError::invalid(field, "a mainland mobile number, 11 digits")
                .zh("请填写 11 位手机号码"),
        );
    }
    Ok(digits)
}

/// The six digits of a code from a random number the caller drew from a secure source (the
/// 64 bits make the remainder's bias negligible).
pub fn code_from(random: u64) -> String {
    format!("{:06}", random % 1_000_000)
}

/// A code as kept: the keyed hash of the number and the digits, never the digits.
pub fn code_hash(key: &[u8; 32], phone: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update((phone.len() as u32).to_be_bytes());
    h.update(phone.as_bytes());
    h.update(code.trim().as_bytes());
    hex::encode(h.finalize())
}

/// A code sent to a number, as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCode {
    pub phone: String,
    pub hash: String,
    pub issued_at: i64,
    pub attempts: u32,
    pub used_at: Option<i64>,
}

impl IssuedCode {
    pub fn new(phone: &str, hash: String, now: i64) -> IssuedCode {
        IssuedCode {
            phone: phone.to_string(),
            hash,
            issued_at: now,
            attempts: 0,
            used_at: None,
        }
    }

    pub fn expires_at(&self) -> i64 {
        self.issued_at + CODE_TTL_MS
    }

    /// The answer judged at `now`: the code spent (Ok) or the refusal, and the code as it
    /// must be kept either way (a wrong answer counts; the right one spends it).
    pub fn verify(&self, answer_hash: &str, now: i64) -> (IssuedCode, Result<(), DomainError>) {
        let gone = |en: &str, zh: &str| {
            DomainError::new(ErrorCode::CodeExpired, en)
                .with_field("code")
                .zh(zh)
        };
        if self.used_at.is_some() {
            return (
                self.clone(),
                Err(gone(
                    "the code was used already; ask for a new one",
                    "验证码已使用，请重新获取",
                )),
            );
        }
        if now >= self.expires_at() {
            return (
                self.clone(),
                Err(gone(
                    "the code has expired; ask for a new one",
                    "验证码已过期，请重新获取",
                )),
            );
        }
        if self.attempts >= MAX_ATTEMPTS {
            return (
                self.clone(),
                Err(gone(
                    "too many wrong answers; ask for a new code",
                    "错误次数过多，请重新获取验证码",
                )),
            );
        }
        let mut next = self.clone();
        if same(&self.hash, answer_hash) {
            next.used_at = Some(now);
            return (next, Ok(()));
        }
        next.attempts += 1;
        let left = MAX_ATTEMPTS - next.attempts;
        let refusal = DomainError::new(
            ErrorCode::WrongCode,
            format!("the code is not right; {left} tries left"),
        )
        .with_field("code")
        .zh(format!("验证码不正确，还可尝试 {left} 次"));
        (next, Err(refusal))
    }
}

/// Compares two hashes in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Whether a number may be sent a code now, given when its earlier codes were sent (any
/// order): refused with the wait when the last is under a minute old or the day's ration is
/// spent.
pub fn may_send(sent_at: &[i64], now: i64) -> Result<(), DomainError> {
    let wait = |ms: i64| {
        DomainError::new(
            ErrorCode::RateLimited,
            "too many codes for this number; wait",
        )
        .zh("验证码发送过于频繁，请稍后再试")
        .retry_after(ms.max(1))
    };
    if let Some(last) = sent_at.iter().copied().filter(|t| *t <= now).max() {
        if now - last < RESEND_AFTER_MS {
            return Err(wait(last + RESEND_AFTER_MS - now));
        }
    }
    let mut today: Vec<i64> = sent_at
        .iter()
        .copied()
        .filter(|t| now - *t < DAY_MS && *t <= now)
        .collect();
    if today.len() >= MAX_CODES_PER_DAY {
        today.sort_unstable();
        // The ration frees when the oldest of the last day's codes is a day old.
        let oldest = today[today.len() - MAX_CODES_PER_DAY];
        return Err(wait(oldest + DAY_MS - now));
    }
    Ok(())
}

/// A change of their report that the resident who made it is told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Registered,
    /// A 私事 registered with guidance: they are asked to confirm it is settled.
    ToConfirm,
    Rejected,
    Merged,
    Dispatched,
    Handled,
    Closed,
}

impl Notice {
    /// Which change of status, if any, the reporter is told of: taken in, turned down or
    /// merged, sent to the unit that handles it, handled, closed; a 私事 registered is
    /// returned to them to confirm. The steps between (taken up, returned by a unit,
    /// escalated, extended) are the centres' business.
    pub fn of(from: Status, to: Status, class: MatterClass) -> Option<Notice> {
        use Status as S;
        Some(match (from, to) {
            (S::Reported | S::Closed | S::Evaluated, S::Registered) => {
                if class == MatterClass::Private {
                    Notice::ToConfirm
                } else {
                    Notice::Registered
                }
            }
            (_, S::Rejected) => Notice::Rejected,
            (_, S::Merged) => Notice::Merged,
            (S::Registered, S::Dispatched) => Notice::Dispatched,
            (_, S::Handled) => Notice::Handled,
            // A 私事 closed is the resident's own confirmation: nothing to tell them.
            (S::Verified, S::Closed) => Notice::Closed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Notice::Registered => "registered",
            Notice::ToConfirm => "to_confirm",
            Notice::Rejected => "rejected",
            Notice::Merged => "merged",
            Notice::Dispatched => "dispatched",
            Notice::Handled => "handled",
            Notice::Closed => "closed",
        }
    }

    /// The text message: the case number, what happened, what (if anything) they are to do;
    /// `opinion` is the step's reason or guidance as the centre wrote it.
    pub fn text(self, case_number: &str, opinion: Option<&str>) -> String {
        let said = |prefix: &str| {
            opinion
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| format!("{prefix}{}", clip(o, 120)))
                .unwrap_or_default()
        };
        let what = match self {
            Notice::Registered => "已受理，正在安排处置。".to_string(),
            Notice::ToConfirm => format!(
                "属于个人事务，已给出指导意见，请在“我的上报”中查看并确认是否已解决。{}",
                said("指导意见：")
            ),
            Notice::Rejected => format!("未予受理。{}", said("原因：")),
            Notice::Merged => "与他人反映的同一问题合并办理，进展请看合并后的事件。".to_string(),
            Notice::Dispatched => "已派给责任单位办理。".to_string(),
            Notice::Handled => format!("已处置，待网格员核查。{}", said("处置情况：")),
            Notice::Closed => "已办结，请在“我的上报”中评价办理结果。".to_string(),
        };
        format!("【治理】您反映的事件（{case_number}）{what}")
    }
}

/// The first `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The text message carrying a code.
pub fn code_text(code: &str) -> String {
    format!("【治理】您的验证码是 {code}，5 分钟内有效。请勿告诉他人，工作人员不会向您索取。")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn mobile_numbers_are_eleven_digits_from_13_to_19_with_or_without_the_country_code() {
        assert_eq!(mobile("phone", "138 0013 8000").unwrap(), "13800138000");
        assert_eq!(mobile("phone", "+86 139-0000-1111").unwrap(), "13900001111");
        assert_eq!(mobile("phone", "8613900001111").unwrap(), "13900001111");
        for bad in [
            "12800138000",
            "1380013800",
            "023-79221234",
            "1380013800x",
            "",
            "86",
        ] {
            let e = mobile("phone", bad).unwrap_err();
            assert_eq!(
                (e.code, e.field.as_deref()),
                (ErrorCode::InvalidParameter, Some("phone")),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_code_is_six_digits_kept_as_a_keyed_hash_of_the_number_and_the_digits() {
        assert_eq!(code_from(42), "000042");
        assert_eq!(code_from(u64::MAX).len(), 6);
        let h = code_hash(&KEY, "13800138000", "123456");
        assert_eq!(h.len(), 64);
        assert!(!h.contains("123456"));
        assert_ne!(
            h,
            code_hash(&KEY, "13800138001", "123456"),
            "bound to the number"
        );
        assert_ne!(
            h,
            code_hash(&[8; 32], "13800138000", "123456"),
            "bound to the key"
        );
        assert_eq!(h, code_hash(&KEY, "13800138000", " 123456 "));
    }

    #[test]
    fn a_code_is_spent_by_its_first_right_answer_and_refused_when_wrong_expired_or_replayed() {
        let t0 = 1_800_000_000_000;
        let issued = IssuedCode::new("13800138000", code_hash(&KEY, "13800138000", "123456"), t0);
        let right = code_hash(&KEY, "13800138000", "123456");
        let wrong = code_hash(&KEY, "13800138000", "654321");

        let (after, r) = issued.verify(&wrong, t0 + 1_000);
        let e = r.unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref(), after.attempts),
            (ErrorCode::WrongCode, Some("code"), 1)
        );
        assert!(e.message.contains("4 tries left"));
        let (spent, r) = after.verify(&right, t0 + 2_000);
        assert!(r.is_ok());
        assert_eq!(spent.used_at, Some(t0 + 2_000));
        let (_, replay) = spent.verify(&right, t0 + 3_000);
        assert_eq!(
            replay.unwrap_err().code,
            ErrorCode::CodeExpired,
            "a replay is refused"
        );

        let (_, late) = issued.verify(&right, t0 + CODE_TTL_MS);
        assert_eq!(late.unwrap_err().code, ErrorCode::CodeExpired);

        let mut tried = issued.clone();
        for _ in 0..MAX_ATTEMPTS {
            let (next, r) = tried.verify(&wrong, t0 + 1_000);
            assert_eq!(r.unwrap_err().code, ErrorCode::WrongCode);
            tried = next;
        }
        let (_, r) = tried.verify(&right, t0 + 1_000);
        assert_eq!(
            r.unwrap_err().code,
            ErrorCode::CodeExpired,
            "the right code after five wrong ones"
        );
    }

    #[test]
    fn codes_are_rationed_one_a_minute_and_ten_a_day() {
        let t0 = 1_800_000_000_000;
        assert!(may_send(&[], t0).is_ok());
        let e = may_send(&[t0 - 20_000], t0).unwrap_err();
        assert_eq!(
            (e.code, e.retry_after_ms),
            (ErrorCode::RateLimited, Some(40_000))
        );
        assert!(may_send(&[t0 - RESEND_AFTER_MS], t0).is_ok());
        let day: Vec<i64> = (0..10).map(|i| t0 - 3_600_000 * (i + 1)).collect();
        let e = may_send(&day, t0).unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert_eq!(
            e.retry_after_ms,
            Some(day[9] + DAY_MS - t0),
            "freed when the oldest is a day old"
        );
        let older: Vec<i64> = (0..10).map(|i| t0 - DAY_MS - i).collect();
        assert!(
            may_send(&older, t0).is_ok(),
            "yesterday's codes do not count"
        );
    }

    #[test]
    fn the_reporter_is_told_what_matters_to_them_and_asked_to_confirm_a_private_matter() {
        use MatterClass::*;
        use Status as S;
        assert_eq!(
            Notice::of(S::Reported, S::Registered, Major),
            Some(Notice::Registered)
        );
        assert_eq!(
            Notice::of(S::Reported, S::Registered, Private),
            Some(Notice::ToConfirm)
        );
        assert_eq!(
            Notice::of(S::Registered, S::Dispatched, Minor),
            Some(Notice::Dispatched)
        );
        assert_eq!(
            Notice::of(S::Accepted, S::Handled, Major),
            Some(Notice::Handled)
        );
        assert_eq!(
            Notice::of(S::Verified, S::Closed, Major),
            Some(Notice::Closed)
        );
        assert_eq!(
            Notice::of(S::Closed, S::Registered, Major),
            Some(Notice::Registered),
            "reopened"
        );
        for (from, to) in [
            (S::Dispatched, S::Accepted),
            (S::Accepted, S::Registered),
            (S::Handled, S::Verified),
            (S::Registered, S::Closed),
            (S::Closed, S::Evaluated),
            (S::Registered, S::Deferred),
        ] {
            assert_eq!(Notice::of(from, to, Major), None, "{from:?} → {to:?}");
        }
        let text = Notice::Rejected.text("QJ20261203-0001", Some(&"不".repeat(300)));
        assert!(text.starts_with("【治理】您反映的事件（QJ20261203-0001）未予受理。原因："));
        assert!(text.ends_with('…') && text.chars().count() < 200, "{text}");
        assert!(!Notice::Registered.text("X", None).contains("null"));
        assert!(code_text("012345").contains("012345"));
    }
}
