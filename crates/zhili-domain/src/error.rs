//! One error vocabulary with stable machine codes. The HTTP layer maps each code to a status;
//! the CLI prints it. Codes never change once published: clients match on them.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The body is not valid JSON, or not the JSON shape expected.
    InvalidJson,
    /// A field has a bad value (type, range, format).
    InvalidParameter,
    MissingField,
    UnknownField,
    PayloadTooLarge,
    Unauthenticated,
    InvalidCredentials,
    AccountLocked,
    /// An administrator stopped the account: the right password does not sign it in.
    AccountDisabled,
    /// The session's password must be changed first (a first sign-in, a reset by an
    /// administrator, an expired password): only the change itself, `me` and signing out work.
    PasswordChangeRequired,
    Forbidden,
    NotFound,
    OutsideCoverage,
    /// A boundary file failed validation; `details` lists every problem.
    InvalidGeometry,
    Conflict,
    /// The action is not allowed in the event's state, or not for this user.
    InvalidTransition,
    MethodNotAllowed,
    UnsupportedMediaType,
    /// An upload claims to be a photo but is broken or absurd.
    InvalidImage,
    /// A resident ID number fails GB 11643 (length, region, birth date or check character).
    InvalidIdNumber,
    /// An imported file has bad rows; `details.problems` lists every row and column.
    InvalidRows,
    /// Too many requests of this kind from this account or address; retry after a while.
    RateLimited,
    /// A one-time code that is not the one sent (the tries left are said).
    WrongCode,
    /// A one-time code that expired, was used already or took too many wrong answers: a new
    /// one is needed.
    CodeExpired,
    /// The server is at its bound for this kind of work (password checks, imports); retry
    /// shortly.
    Busy,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::MissingField => "missing_field",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::OutsideCoverage => "outside_coverage",
            ErrorCode::InvalidGeometry => "invalid_geometry",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::InvalidImage => "invalid_image",
            ErrorCode::InvalidIdNumber => "invalid_id_number",
            ErrorCode::InvalidRows => "invalid_rows",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::WrongCode => "wrong_code",
            ErrorCode::CodeExpired => "code_expired",
            ErrorCode::Busy => "busy",
            ErrorCode::Internal => "internal",
        }
    }
}

/// A refusal from the domain: a stable code, the field at fault (if one), and a sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainError {
    pub code: ErrorCode,
    pub field: Option<String>,
    pub message: String,
    /// The same sentence in Chinese, where one has been written (the UI's first language).
    pub message_zh: Option<String>,
    /// For a refusal that passes with time (a lock, a budget): when trying again may succeed.
    pub retry_after_ms: Option<i64>,
}

impl DomainError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError {
            code,
            field: None,
            message: message.into(),
            message_zh: None,
            retry_after_ms: None,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DomainError {
            code: ErrorCode::InvalidParameter,
            field: Some(field.to_string()),
            message: message.into(),
            message_zh: None,
            retry_after_ms: None,
        }
    }

    /// The sentence in Chinese.
    pub fn zh(mut self, message: impl Into<String>) -> Self {
        self.message_zh = Some(message.into());
        self
    }

    /// When trying again may succeed.
    pub fn retry_after(mut self, ms: i64) -> Self {
        self.retry_after_ms = Some(ms);
        self
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        DomainError::new(ErrorCode::NotFound, what)
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({}): {}", self.code.as_str(), field, self.message),
            None => write!(f, "{}: {}", self.code.as_str(), self.message),
        }
    }
}

impl std::error::Error for DomainError {}
