//! What people's text may hold. Control characters (NUL and the rest of C0 but tab and line
//! breaks) break files and terminals downstream; bidirectional overrides make a note or a
//! name read differently from what it is ("Trojan Source"). Neither is ever typed on purpose.

/// A character that no stored text may contain.
pub fn forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'
        // Bidirectional embeddings, overrides and isolates, and the marks.
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
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
