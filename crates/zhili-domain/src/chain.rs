//! The record: every state change appends an action whose hash covers the previous hash,
//! so altering or deleting any record breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash of the (empty) chain before the first action.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Action {
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    pub unit: Option<String>,
    pub action: String,
    /// What the action is about, e.g. `region:500114001001` or `user:town-500114001`.
    pub subject: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub opinion: Option<String>,
    /// JSON array of attachment references.
    pub attachments: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of an action before it is placed in the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAction {
    pub at: i64,
    pub actor: String,
    pub unit: Option<String>,
    pub action: String,
    pub subject: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub opinion: Option<String>,
    pub attachments: String,
}

impl NewAction {
    pub fn new(at: i64, actor: &str, action: &str, subject: &str) -> Self {
        NewAction {
            at,
            actor: actor.to_string(),
            unit: None,
            action: action.to_string(),
            subject: subject.to_string(),
            from_state: None,
            to_state: None,
            opinion: None,
            attachments: "[]".to_string(),
        }
    }

    pub fn opinion(mut self, text: impl Into<String>) -> Self {
        self.opinion = Some(text.into());
        self
    }

    /// A JSON array of attachment ids.
    pub fn attachments(mut self, json: String) -> Self {
        self.attachments = json;
        self
    }

    pub fn unit(mut self, unit: Option<String>) -> Self {
        self.unit = unit;
        self
    }

    pub fn states(mut self, from: Option<&str>, to: Option<&str>) -> Self {
        self.from_state = from.map(str::to_string);
        self.to_state = to.map(str::to_string);
        self
    }

    /// Places the action after `prev_hash` as number `seq`.
    pub fn seal(self, seq: i64, prev_hash: &str) -> Action {
        let hash = action_hash(seq, prev_hash, &self);
        Action {
            seq,
            at: self.at,
            actor: self.actor,
            unit: self.unit,
            action: self.action,
            subject: self.subject,
            from_state: self.from_state,
            to_state: self.to_state,
            opinion: self.opinion,
            attachments: self.attachments,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

/// Length-prefixed fields, so no two different records serialise to the same bytes.
fn action_hash(seq: i64, prev_hash: &str, a: &NewAction) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    let opt = |o: &Option<String>| {
        o.as_deref()
            .map(|s| format!("+{s}"))
            .unwrap_or_else(|| "-".into())
    };
    field(&seq.to_be_bytes());
    field(prev_hash.as_bytes());
    field(&a.at.to_be_bytes());
    field(a.actor.as_bytes());
    field(opt(&a.unit).as_bytes());
    field(a.action.as_bytes());
    field(a.subject.as_bytes());
    field(opt(&a.from_state).as_bytes());
    field(opt(&a.to_state).as_bytes());
    field(opt(&a.opinion).as_bytes());
    field(a.attachments.as_bytes());
    hex::encode(h.finalize())
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChainBreak {
    /// The first record that does not verify (or, for a gap, the first missing number).
    pub seq: i64,
    pub reason: String,
}

/// Checks a chain read in `seq` order; names the first broken record.
pub fn verify<'a>(actions: impl IntoIterator<Item = &'a Action>) -> Result<u64, ChainBreak> {
    verify_from(actions, 1, GENESIS)
}

/// Checks a stretch of the chain that should start at `first_seq` and link to `prev_hash`
/// (for reading a long record page by page).
pub fn verify_from<'a>(
    actions: impl IntoIterator<Item = &'a Action>,
    first_seq: i64,
    prev_hash: &str,
) -> Result<u64, ChainBreak> {
    let mut prev = prev_hash.to_string();
    let mut count = 0;
    for (expected_seq, a) in (first_seq..).zip(actions) {
        if a.seq != expected_seq {
            return Err(ChainBreak {
                seq: expected_seq,
                reason: format!("record {expected_seq} is missing (next is {})", a.seq),
            });
        }
        if a.prev_hash != prev {
            return Err(ChainBreak {
                seq: a.seq,
                reason: "does not link to the previous record".into(),
            });
        }
        let unsealed = NewAction {
            at: a.at,
            actor: a.actor.clone(),
            unit: a.unit.clone(),
            action: a.action.clone(),
            subject: a.subject.clone(),
            from_state: a.from_state.clone(),
            to_state: a.to_state.clone(),
            opinion: a.opinion.clone(),
            attachments: a.attachments.clone(),
        };
        if action_hash(a.seq, &a.prev_hash, &unsealed) != a.hash {
            return Err(ChainBreak {
                seq: a.seq,
                reason: "content does not match its hash (altered)".into(),
            });
        }
        prev = a.hash.clone();
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Action> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let a = NewAction::new(seq * 10, "admin", "user.add", &format!("user:u{seq}"))
                    .seal(seq, &prev);
                prev = a.hash.clone();
                a
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn alteration_is_named() {
        let mut c = chain(5);
        c[2].opinion = Some("edited".into());
        assert_eq!(verify(&c).unwrap_err().seq, 3);
    }

    #[test]
    fn deletion_is_named() {
        let mut c = chain(5);
        c.remove(3);
        assert_eq!(verify(&c).unwrap_err().seq, 4);
        let mut tail_cut_and_relinked = chain(5);
        tail_cut_and_relinked.remove(0);
        assert_eq!(verify(&tail_cut_and_relinked).unwrap_err().seq, 1);
    }

    #[test]
    fn none_and_empty_differ() {
        let a = NewAction::new(1, "x", "y", "z");
        let mut b = a.clone();
        b.opinion = Some(String::new());
        assert_ne!(a.seal(1, GENESIS).hash, b.seal(1, GENESIS).hash);
    }
}

/// Who did something: the account and the unit they acted for.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub username: String,
    pub unit: Option<String>,
}

impl Actor {
    /// Changes made by the system itself (demo build, migrations), not by a person.
    pub fn system() -> Actor {
        Actor {
            username: "system".into(),
            unit: None,
        }
    }

    pub fn action(&self, at: i64, action: &str, subject: &str) -> NewAction {
        NewAction::new(at, &self.username, action, subject).unit(self.unit.clone())
    }
}
