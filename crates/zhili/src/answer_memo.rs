//! Answers kept for reading again: the latest body made for each key (a scope, a region …),
//! with the version it was made at — the record's head, the open layer's sequence, the
//! minute — served while the caller's version is the same. Bounded in entries and in bytes:
//! past either bound everything is forgotten and made again on demand.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

pub struct AnswerMemo {
    answers: Mutex<HashMap<String, (String, Bytes)>>,
    max_entries: usize,
    max_bytes: usize,
}

impl AnswerMemo {
    pub fn new(max_entries: usize, max_bytes: usize) -> AnswerMemo {
        AnswerMemo {
            answers: Mutex::new(HashMap::new()),
            max_entries,
            max_bytes,
        }
    }

    /// The answer kept for `key`, if it was made at `version`.
    pub fn get(&self, key: &str, version: &str) -> Option<Bytes> {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        match answers.get(key) {
            Some((v, body)) if v == version => Some(body.clone()),
            _ => None,
        }
    }

    /// Keeps `body` as `key`'s answer at `version`, in place of any older one.
    pub fn put(&self, key: String, version: String, body: Bytes) {
        if body.len() > self.max_bytes {
            return;
        }
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        answers.remove(&key);
        let held: usize = answers.values().map(|(_, b)| b.len()).sum();
        // Keys are bounded by what a scope may ask for; a caller walking them all, or many
        // large answers, clears the memo instead of growing it.
        if answers.len() >= self.max_entries || held + body.len() > self.max_bytes {
            answers.clear();
        }
        answers.insert(key, (version, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_served_at_its_version_only_and_the_bounds_hold() {
        let memo = AnswerMemo::new(2, 10);
        memo.put("a".into(), "1".into(), Bytes::from_static(b"abcd"));
        assert_eq!(memo.get("a", "1").as_deref(), Some(&b"abcd"[..]));
        assert_eq!(memo.get("a", "2"), None, "another version is made afresh");
        assert_eq!(memo.get("b", "1"), None);
        memo.put("a".into(), "2".into(), Bytes::from_static(b"efgh"));
        assert_eq!(
            memo.get("a", "1"),
            None,
            "a newer answer replaces the older"
        );
        memo.put("b".into(), "1".into(), Bytes::from_static(b"ijkl"));
        assert!(memo.get("a", "2").is_some() && memo.get("b", "1").is_some());
        // A third key passes the entries' bound: the memo starts again with it alone.
        memo.put("c".into(), "1".into(), Bytes::from_static(b"mn"));
        assert!(memo.get("a", "2").is_none() && memo.get("c", "1").is_some());
        // Bytes: 2 held + 9 is past 10.
        memo.put("d".into(), "1".into(), Bytes::from_static(b"123456789"));
        assert!(memo.get("c", "1").is_none() && memo.get("d", "1").is_some());
        memo.put("e".into(), "1".into(), Bytes::from_static(b"12345678901"));
        assert!(
            memo.get("e", "1").is_none(),
            "an answer past the bound alone is not kept"
        );
    }
}
