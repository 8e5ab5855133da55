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
    hex::encode(digest(seq, prev_hash, &record_of(a)))
}

/// A recorded step's fields as read, borrowed: what its hash covers.
#[derive(Clone, Copy, Debug)]
pub struct RecordRef<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub unit: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub opinion: Option<&'a str>,
    pub attachments: &'a str,
}

impl Action {
    /// The fields its hash covers.
    pub fn record(&self) -> RecordRef<'_> {
        RecordRef {
            at: self.at,
            actor: &self.actor,
            unit: self.unit.as_deref(),
            action: &self.action,
            subject: &self.subject,
            from_state: self.from_state.as_deref(),
            to_state: self.to_state.as_deref(),
            opinion: self.opinion.as_deref(),
            attachments: &self.attachments,
        }
    }
}

fn record_of(a: &NewAction) -> RecordRef<'_> {
    RecordRef {
        at: a.at,
        actor: &a.actor,
        unit: a.unit.as_deref(),
        action: &a.action,
        subject: &a.subject,
        from_state: a.from_state.as_deref(),
        to_state: a.to_state.as_deref(),
        opinion: a.opinion.as_deref(),
        attachments: &a.attachments,
    }
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// An absent value is `-`, a present one `+value`, length-prefixed like every field.
fn put_opt(h: &mut Sha256, value: Option<&str>) {
    match value {
        None => put(h, b"-"),
        Some(s) => {
            h.update((s.len() as u64 + 1).to_be_bytes());
            h.update(b"+");
            h.update(s.as_bytes());
        }
    }
}

fn digest(seq: i64, prev_hash: &str, a: &RecordRef) -> [u8; 32] {
    let mut h = Sha256::new();
    put(&mut h, &seq.to_be_bytes());
    put(&mut h, prev_hash.as_bytes());
    put(&mut h, &a.at.to_be_bytes());
    put(&mut h, a.actor.as_bytes());
    put_opt(&mut h, a.unit);
    put(&mut h, a.action.as_bytes());
    put(&mut h, a.subject.as_bytes());
    put_opt(&mut h, a.from_state);
    put_opt(&mut h, a.to_state);
    put_opt(&mut h, a.opinion);
    put(&mut h, a.attachments.as_bytes());
    h.finalize().into()
}

/// Checks a chain one record at a time as it streams past, allocating nothing per record:
/// each must follow the last in number, link to its hash and match its own.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainCheck {
    next_seq: i64,
    prev: [u8; 64],
    checked: u64,
}

impl ChainCheck {
    /// From the start of the chain.
    pub fn new() -> ChainCheck {
        ChainCheck::after(0, GENESIS).expect("the genesis hash is well formed")
    }

    /// After a record already verified (a checkpoint): its number and hash.
    pub fn after(seq: i64, hash: &str) -> Option<ChainCheck> {
        let prev: [u8; 64] = hash.as_bytes().try_into().ok()?;
        Some(ChainCheck {
            next_seq: seq + 1,
            prev,
            checked: 0,
        })
    }

    pub fn check(
        &mut self,
        seq: i64,
        prev_hash: &str,
        hash: &str,
        record: &RecordRef,
    ) -> Result<(), ChainBreak> {
        if seq != self.next_seq {
            return Err(ChainBreak {
                seq: self.next_seq,
                reason: format!("record {} is missing (next is {seq})", self.next_seq),
            });
        }
        if prev_hash.as_bytes() != self.prev {
            return Err(ChainBreak {
                seq,
                reason: "does not link to the previous record".into(),
            });
        }
        let prev = std::str::from_utf8(&self.prev).expect("hex is ASCII");
        let mut hex_digest = [0u8; 64];
        hex::encode_to_slice(digest(seq, prev, record), &mut hex_digest)
            .expect("64 hex digits for 32 bytes");
        if hash.as_bytes() != hex_digest {
            return Err(ChainBreak {
                seq,
                reason: "content does not match its hash (altered)".into(),
            });
        }
        self.prev = hex_digest;
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    /// The last record checked (or the checkpoint started from): number and hash.
    pub fn last(&self) -> (i64, String) {
        (
            self.next_seq - 1,
            String::from_utf8_lossy(&self.prev).into_owned(),
        )
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck::new()
    }
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
    let mut check = ChainCheck::after(first_seq - 1, prev_hash).ok_or_else(|| ChainBreak {
        seq: first_seq,
        reason: "the previous hash is not 64 hex digits".into(),
    })?;
    for a in actions {
        check.check(a.seq, &a.prev_hash, &a.hash, &a.record())?;
    }
    Ok(check.checked())
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
    fn a_check_resumes_from_a_checkpoint_and_finds_what_changed_after_it() {
        let c = chain(6);
        let rec = Action::record;
        let mut whole = ChainCheck::new();
        for a in &c[..3] {
            whole.check(a.seq, &a.prev_hash, &a.hash, &rec(a)).unwrap();
        }
        let (seq, hash) = whole.last();
        assert_eq!((seq, hash.as_str()), (3, c[2].hash.as_str()));
        let mut resumed = ChainCheck::after(seq, &hash).unwrap();
        for a in &c[3..] {
            resumed
                .check(a.seq, &a.prev_hash, &a.hash, &rec(a))
                .unwrap();
        }
        assert_eq!((resumed.checked(), resumed.last().0), (3, 6));
        // Altered after the checkpoint, skipped, or from a wrong checkpoint: named.
        let mut altered = c[4].clone();
        altered.actor = "mallory".into();
        let mut from3 = ChainCheck::after(3, &c[2].hash).unwrap();
        from3
            .check(4, &c[3].prev_hash, &c[3].hash, &rec(&c[3]))
            .unwrap();
        assert_eq!(
            from3
                .check(5, &altered.prev_hash, &altered.hash, &rec(&altered))
                .unwrap_err()
                .seq,
            5
        );
        let mut gap = ChainCheck::after(3, &c[2].hash).unwrap();
        assert!(gap
            .check(5, &c[4].prev_hash, &c[4].hash, &rec(&c[4]))
            .unwrap_err()
            .reason
            .contains("missing"));
        let mut wrong = ChainCheck::after(3, &c[1].hash).unwrap();
        assert!(wrong
            .check(4, &c[3].prev_hash, &c[3].hash, &rec(&c[3]))
            .is_err());
        assert!(ChainCheck::after(3, "short").is_none());
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
