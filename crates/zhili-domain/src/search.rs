//! Finding a record by a few characters of its names: the terms a text is indexed under and the
//! terms a query looks up. A query's terms select candidates; the caller then checks each
//! candidate's text for the query itself, so the terms need only never miss a match.
//!
//! Chinese has no spaces between words and people search by one or two characters (a surname,
//! a given name), so every letter outside ASCII is a term by itself. ASCII letters and digits
//! come in runs (a case number's year and serial, a plate): a query may hold any part of a run,
//! so every suffix of a run is a term and a query's run is looked up as a prefix.

/// A run's suffixes are indexed up to this many characters; a longer query run is looked up
/// by its first this-many characters.
pub const MAX_RUN: usize = 24;

/// At most this many terms of a query select candidates (the check of the text does the rest).
pub const MAX_QUERY_TERMS: usize = 8;

/// A query's term: a character looked up as it is, or the start of a run's suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    Exact(String),
    Prefix(String),
}

/// Splits into runs of ASCII letters and digits (lowercased) and single other letters or digits;
/// spaces and punctuation separate and are not terms.
fn pieces(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c.to_ascii_lowercase());
            continue;
        }
        if !run.is_empty() {
            out.push((true, std::mem::take(&mut run)));
        }
        if c.is_alphanumeric() {
            out.push((false, c.to_string()));
        }
    }
    if !run.is_empty() {
        out.push((true, run));
    }
    out
}

/// The distinct terms `text` is indexed under.
pub fn index_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for (is_run, piece) in pieces(text) {
        if is_run {
            for start in 0..piece.len() {
                let end = (start + MAX_RUN).min(piece.len());
                terms.push(piece[start..end].to_string());
            }
        } else {
            terms.push(piece);
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

/// The terms a query looks up (none when it holds no letter or digit: the caller then checks
/// every text).
pub fn query_terms(query: &str) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::new();
    for (is_run, piece) in pieces(query) {
        let term = if is_run {
            Term::Prefix(piece.chars().take(MAX_RUN).collect())
        } else {
            Term::Exact(piece)
        };
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms.truncate(MAX_QUERY_TERMS);
    terms
}

/// Whether the indexed `terms` of a text can hold `query`: every query term is found (the
/// candidates' rule, stated once for the tests of both sides).
pub fn may_hold(terms: &[String], query: &[Term]) -> bool {
    query.iter().all(|q| match q {
        Term::Exact(t) => terms.contains(t),
        Term::Prefix(p) => terms.iter().any(|t| t.starts_with(p.as_str())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_letters_are_terms_one_by_one_and_punctuation_is_not() {
        let terms = index_terms("相邻 排水纠纷 黔调〔2026〕000123号 张三");
        for t in ["相", "排", "黔", "调", "号", "张", "三"] {
            assert!(terms.contains(&t.to_string()), "{t} in {terms:?}");
        }
        assert!(!terms.iter().any(|t| t == "〔" || t == " "));
        assert_eq!(terms.iter().filter(|t| *t == "纠").count(), 1);
    }

    #[test]
    fn every_part_of_a_number_is_found_by_its_start() {
        let text = "黔调〔2026〕000123号 Zhang Wei";
        let terms = index_terms(text);
        for q in [
            "123", "0123", "000123", "2026", "026", "zhang", "WEI", "ang w", "黔调", "张",
        ] {
            let hit = may_hold(&terms, &query_terms(q));
            assert_eq!(hit, q != "张", "{q}");
        }
        // A query's punctuation selects nothing; the caller checks the text.
        assert!(query_terms("〔〕 ").is_empty());
    }

    #[test]
    fn a_long_run_is_indexed_and_looked_up_by_its_first_characters() {
        let run = "a".repeat(10) + &"b".repeat(40);
        let terms = index_terms(&run);
        assert!(terms.iter().all(|t| t.len() <= MAX_RUN));
        let inner = &run[5..45];
        assert!(may_hold(&terms, &query_terms(inner)));
        assert!(!may_hold(&terms, &query_terms("abc")));
    }

    #[test]
    fn a_query_has_few_distinct_terms() {
        assert_eq!(query_terms("张张张").len(), 1);
        assert_eq!(query_terms("一二三四五六七八九十").len(), MAX_QUERY_TERMS);
        assert_eq!(
            query_terms("李 A12"),
            vec![Term::Exact("李".into()), Term::Prefix("a12".into())]
        );
    }
}
