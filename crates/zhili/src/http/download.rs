//! Files handed to people to sign or file: a Word document or a sheet under its Chinese name (RFC 6266's
//! `filename*`, UTF-8) with an ASCII name for clients that read only `filename`.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// `filename*` of RFC 6266 / 5987: UTF-8, every byte outside the unreserved set escaped.
pub(crate) fn ext_value(name: &str) -> String {
    let mut out = String::from("UTF-8''");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A .docx to download as `name` (`ascii` for older clients: letters, digits, `-._` only).
pub(crate) fn docx(ascii: &str, name: &str, bytes: Vec<u8>) -> Response {
    file(
        ascii,
        name,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        bytes,
    )
}

/// An .xlsx to download as `name`.
pub(crate) fn xlsx(ascii: &str, name: &str, bytes: Vec<u8>) -> Response {
    file(
        ascii,
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    )
}

fn file(ascii: &str, name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let ascii: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*={}",
        ext_value(name)
    );
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_chinese_name_is_escaped_and_the_ascii_one_kept_plain() {
        assert_eq!(
            super::ext_value("纪要 1.docx"),
            "UTF-8''%E7%BA%AA%E8%A6%81%201.docx"
        );
        let r = super::docx("minutes \"1\".docx", "纪要.docx", vec![1]);
        let d = r.headers()["content-disposition"].to_str().unwrap();
        assert!(
            d.starts_with("attachment; filename=\"minutes--1-.docx\"; filename*=UTF-8''"),
            "{d}"
        );
    }
}
