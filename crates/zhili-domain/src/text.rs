//! What people's text may hold. Control characters (NUL and the rest of C0 but tab and line
//! breaks) break files and terminals downstream; bidirectional overrides make a note or a
//! name read differently from what it is ("Trojan Source"). Neither is ever typed on purpose.

use crate::DomainError;

/// The characters no stored text may contain, as inclusive ranges: C0 controls but tab and
/// line breaks, DEL and the C1 controls, and the bidirectional embeddings, overrides,
/// isolates and marks.
pub const FORBIDDEN: &[(char, char)] = &[
    ('\u{0}', '\u{8}'),
    ('\u{b}', '\u{c}'),
    ('\u{e}', '\u{1f}'),
    ('\u{7f}', '\u{9f}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{200e}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2066}', '\u{2069}'),
];

/// A character that no stored text may contain.
pub fn forbidden(c: char) -> bool {
    FORBIDDEN.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// The same rule as a regular expression (ECMA-262, as JSON Schema's `pattern` reads it)
/// matching a whole text free of forbidden characters.
pub fn allowed_pattern() -> String {
    let mut class = String::new();
    for &(lo, hi) in FORBIDDEN {
        class.push_str(&format!("\\u{:04x}", lo as u32));
        if hi != lo {
            class.push_str(&format!("-\\u{:04x}", hi as u32));
        }
    }
    format!("^[^{class}]*$")
}

/// A one-line text (a name, a code, an address) as people type it: at most `max` characters
/// as sent, not blank, no tab or line break; answered trimmed.
pub fn line(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    checked(field, raw, max, |c| c.is_control() || forbidden(c))
}

/// A text of several lines (a note, findings, a description): at most `max` characters as
/// sent, not blank; answered trimmed.
pub fn note(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    checked(field, raw, max, forbidden)
}

fn checked(
    field: &str,
    raw: &str,
    max: usize,
    bad: impl Fn(char) -> bool,
) -> Result<String, DomainError> {
    let v = raw.trim();
    if v.is_empty() || raw.chars().count() > max {
        return Err(
            DomainError::invalid(field, format!("1 to {max} characters"))
                .zh(format!("应为1至{max}个字")),
        );
    }
    if raw.chars().any(bad) {
        return Err(DomainError::invalid(
            field,
            "text may not hold control characters or bidirectional overrides",
        )
        .zh("文本中不能含有控制字符或双向文本控制符"));
    }
    Ok(v.to_string())
}

/// The first forbidden character of a text, if any.
pub fn first_forbidden(text: &str) -> Option<char> {
    text.chars().find(|&c| forbidden(c))
}

/// Scans a JSON document's strings (keys and values, raw or `\u` escaped) for a forbidden
/// character; answers the key of the value that holds one (empty at the top level).
pub fn json_forbidden(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let mut chars = text.char_indices().peekable();
    let (mut key, mut current) = (String::new(), String::new());
    while let Some((_, c)) = chars.next() {
        if c != '"' {
            continue;
        }
        // Inside a string up to its closing quote.
        current.clear();
        let mut bad = false;
        while let Some((_, c)) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some((_, 'u')) => {
                        let hex: String = (0..4)
                            .filter_map(|_| chars.next().map(|(_, h)| h))
                            .collect();
                        let code = u32::from_str_radix(&hex, 16).ok();
                        match code.and_then(char::from_u32) {
                            Some(d) => {
                                bad |= forbidden(d);
                                current.push(d);
                            }
                            // A lone surrogate half: not a character anyone typed either.
                            None => bad |= code.is_some_and(|c| !(0xD800..=0xDFFF).contains(&c)),
                        }
                    }
                    Some((_, e)) => current.push(e),
                    None => return None,
                },
                c => {
                    bad |= forbidden(c);
                    current.push(c);
                }
            }
        }
        // A key if a colon follows.
        let mut rest = chars.clone();
        while rest.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            rest.next();
        }
        let is_key = rest.peek().is_some_and(|(_, c)| *c == ':');
        if bad {
            return Some(if is_key { current.clone() } else { key.clone() });
        }
        if is_key {
            key = current.clone();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_names_each_forbidden_range() {
        let p = allowed_pattern();
        assert!(p.starts_with("^[^\\u0000-\\u0008\\u000b-\\u000c"));
        assert!(p.contains("\\u007f-\\u009f\\u061c\\u200e-\\u200f"));
        assert!(p.ends_with("\\u2066-\\u2069]*$"));
        assert!(line("name", "  张三 ", 5).is_ok_and(|n| n == "张三"));
        assert!(line("name", "  张三 ", 4).is_err(), "counted as sent");
        assert!(line("name", "张三\n", 5).is_err() && note("n", "a\nb", 5).is_ok());
        assert!(note("n", " \n ", 5).is_err() && note("n", "abcdef", 5).is_err());
        assert!(
            forbidden('\u{2068}') && forbidden('\u{1}') && !forbidden('\t') && !forbidden('\n')
        );
    }

    #[test]
    fn control_and_bidi_characters_are_found_raw_or_escaped() {
        assert_eq!(
            json_forbidden(r#"{"name":"张三","note":"line\nbreak\ttab"}"#.as_bytes()),
            None
        );
        assert_eq!(
            json_forbidden(br#"{"name":"a\u0000b"}"#).as_deref(),
            Some("name")
        );
        assert_eq!(
            json_forbidden("{\"a\":1,\"description\":\"abc\u{202e}fdp.exe\"}".as_bytes())
                .as_deref(),
            Some("description")
        );
        assert_eq!(
            json_forbidden(br#"{"x":{"title":"\u202E"}}"#).as_deref(),
            Some("title")
        );
        assert_eq!(
            json_forbidden(br#"{"tags":["ok","\u2066x"]}"#).as_deref(),
            Some("tags")
        );
        assert_eq!(
            json_forbidden(br#"{"q":"a\\u0000"}"#),
            None,
            "an escaped backslash, then text"
        );
        assert_eq!(first_forbidden("正常文本\n第二行"), None);
        assert_eq!(first_forbidden("a\u{7}"), Some('\u{7}'));
    }
}
