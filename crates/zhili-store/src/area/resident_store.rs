//! Residents as users: accounts by phone, their sessions and one-time codes, their own
//! reports, the outbox of text messages and the public notices they read. Every read of a
//! resident's data is keyed by the resident (`resident_id = ?`): that is their scope, and no
//! method here takes a staff `Scope`.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::{DomainError, RegionCode};

/// A resident's account as stored (the phone only sealed and masked).
#[derive(Clone, Debug, PartialEq)]
pub struct ResidentRecord {
    pub id: i64,
    pub phone_sealed: String,
    pub phone_masked: String,
    /// The registered person they linked themselves to, with that person's grid and name.
    pub person_id: Option<i64>,
    pub grid_code: Option<RegionCode>,
    pub display_name: Option<String>,
    pub created_at: i64,
    pub linked_at: Option<i64>,
}

impl ResidentRecord {
    /// The name their actions are recorded under: no staff name has a colon.
    pub fn actor(&self) -> Actor {
        Actor {
            username: format!("resident:{}", self.id),
            unit: None,
        }
    }
}

/// A number proving itself with a code: the right answer signs in (and signs up).
#[derive(Clone, Debug)]
pub struct CodeAnswer {
    /// The number's blind index under each key of the ring, the current first (stored).
    pub phone_blinds: Vec<String>,
    pub phone_sealed: String,
    pub phone_masked: String,
    /// The answer hashed under each key of the ring, in the order of `phone_blinds`: a code
    /// is checked under the key it was issued under.
    pub answer_hashes: Vec<String>,
    pub token_hash: String,
    pub expires_at: i64,
}

/// A code request or answer for the batched writer (`ResidentStore::code_batch`).
#[derive(Clone, Debug)]
pub enum CodeJob {
    Issue {
        /// The number's blind index under each key, the current first (stored).
        phone_blinds: Vec<String>,
        code_hash: String,
        message: NewMessage,
        now: i64,
    },
    Answer {
        answer: CodeAnswer,
        now: i64,
    },
}

/// What became of a `CodeJob`: sent, or refused (rationed); signed in (the account and
/// whether it is new), or refused (wrong, expired, spent).
#[derive(Clone, Debug)]
pub enum CodeOutcome {
    Issued(std::result::Result<(), DomainError>),
    Answered(std::result::Result<(ResidentRecord, bool), DomainError>),
}

/// A text message to queue.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub phone_sealed: String,
    pub phone_masked: String,
    pub resident_id: Option<i64>,
    pub event_id: Option<i64>,
    pub kind: String,
    pub body: String,
}

/// A text message as the outbox keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRecord {
    pub id: i64,
    pub phone_sealed: String,
    pub phone_masked: String,
    pub resident_id: Option<i64>,
    pub event_id: Option<i64>,
    /// code or a notice's kind (`zhili_domain::resident::Notice::as_str`)
    pub kind: String,
    pub body: String,
    pub created_at: i64,
    /// queued, sent, held (no provider: kept here to be read) or failed
    pub state: String,
    pub via: Option<String>,
    pub sent_at: Option<i64>,
    pub tries: i64,
    pub error: Option<String>,
}

/// What a sender made of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum MessageOutcome {
    Sent,
    /// No provider: held in the outbox for staff (and tests) to read.
    Held,
    /// Failed this time; tried again later unless it has been tried enough.
    Failed(String),
}

/// A public notice of a village, a town or the district.
#[derive(Clone, Debug, PartialEq)]
pub struct NoticeRecord {
    pub id: i64,
    pub region_code: RegionCode,
    pub title: String,
    pub body: String,
    pub posted_by: String,
    pub unit: Option<String>,
    pub posted_at: i64,
    pub withdrawn_at: Option<i64>,
}

#[async_trait]
pub trait ResidentStore {
    /// Code requests and answers in one transaction, each judged in turn as if alone: a code
    /// is queued for a number if its ration allows (`zhili_domain::resident::may_send`, judged
    /// inside the write so that concurrent requests are counted), with its message and record;
    /// an answer to the latest code of a number, when right, spends the code, finds or opens
    /// the account and starts a session (a wrong answer is still counted).
    async fn code_batch(&self, jobs: &[CodeJob]) -> Result<Vec<CodeOutcome>>;

    /// The account of a number (by its blind index), if it has one.
    /// The resident whose number has one of these blind indexes (one per key of the ring).
    async fn resident_by_phone(&self, phone_blinds: &[String]) -> Result<Option<ResidentRecord>>;

    /// Queues a text message (a receipt) with its record.
    async fn queue_message(&self, actor: &Actor, message: &NewMessage, now: i64) -> Result<i64>;

    /// The account a live session token belongs to.
    async fn resident_by_token(&self, token_hash: &str, now: i64)
        -> Result<Option<ResidentRecord>>;

    async fn end_resident_session(
        &self,
        resident: &ResidentRecord,
        token_hash: &str,
        now: i64,
    ) -> Result<()>;

    /// Links the account to the registered person with this ID number's blind index and
    /// exactly this name, if no other account holds them; each try counts against
    /// `max_tries_per_day`. Every refusal is the same one (whose number it is, or whether it
    /// is registered at all, is not told).
    async fn link_resident(
        &self,
        resident: &ResidentRecord,
        id_blinds: &[String],
        name: &str,
        max_tries_per_day: i64,
        now: i64,
    ) -> Result<std::result::Result<ResidentRecord, DomainError>>;

    /// The resident's own reports, newest first, before `before` (an id) if given.
    async fn resident_events(
        &self,
        resident_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<EventRecord>>;

    /// One of the resident's own reports; another's reads as absent.
    async fn resident_event(&self, resident_id: i64, id: i64) -> Result<Option<EventRecord>>;

    /// A resident's addition to their own report (text and photos): recorded on the event,
    /// its photos linked to it.
    async fn add_to_event(
        &self,
        resident: &ResidentRecord,
        event_id: i64,
        text: &str,
        attachments: &str,
        now: i64,
    ) -> Result<()>;

    /// A photo the resident may see: their own upload or one on their own report.
    async fn resident_photo(
        &self,
        resident: &ResidentRecord,
        sha256: &str,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>>;

    /// The messages sent to the resident (their notices), newest first.
    async fn resident_messages(&self, resident_id: i64, limit: i64) -> Result<Vec<MessageRecord>>;

    /// Messages waiting for the sender, oldest first.
    async fn queued_messages(&self, limit: i64) -> Result<Vec<MessageRecord>>;

    /// What the sender made of messages (id, outcome), kept in one transaction; a failure
    /// stays queued until `max_tries`.
    async fn settle_messages(
        &self,
        settled: &[(i64, MessageOutcome)],
        via: &str,
        max_tries: i64,
        now: i64,
    ) -> Result<()>;

    /// The outbox as staff read it, newest first; to a masked number's last four digits if
    /// given.
    async fn outbox(
        &self,
        phone_masked_suffix: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<MessageRecord>>;

    async fn post_notice(
        &self,
        actor: &Actor,
        region_code: &RegionCode,
        title: &str,
        body: &str,
        now: i64,
    ) -> Result<NoticeRecord>;

    /// Notices still up in these regions (a village and the town and district above it),
    /// newest first.
    async fn notices_for(&self, regions: &[RegionCode], limit: i64) -> Result<Vec<NoticeRecord>>;

    /// Notices posted under a region prefix (a staff scope), withdrawn ones included.
    async fn notices_under(&self, prefix: &str, limit: i64) -> Result<Vec<NoticeRecord>>;

    async fn withdraw_notice(&self, actor: &Actor, id: i64, now: i64) -> Result<()>;

    async fn notice(&self, id: i64) -> Result<Option<NoticeRecord>>;
}

#[async_trait]
impl ResidentStore for SqlStore {
    async fn code_batch(&self, jobs: &[CodeJob]) -> Result<Vec<CodeOutcome>> {
        crate::residents::code_batch(self, jobs).await
    }

    async fn resident_by_phone(&self, phone_blinds: &[String]) -> Result<Option<ResidentRecord>> {
        crate::residents::by_phone(self, phone_blinds).await
    }

    async fn queue_message(&self, actor: &Actor, message: &NewMessage, now: i64) -> Result<i64> {
        crate::residents::queue_message(self, actor, message, now).await
    }

    async fn resident_by_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ResidentRecord>> {
        crate::residents::by_token(self, token_hash, now).await
    }

    async fn end_resident_session(
        &self,
        resident: &ResidentRecord,
        token_hash: &str,
        now: i64,
    ) -> Result<()> {
        crate::residents::end_session(self, resident, token_hash, now).await
    }

    async fn link_resident(
        &self,
        resident: &ResidentRecord,
        id_blinds: &[String],
        name: &str,
        max_tries_per_day: i64,
        now: i64,
    ) -> Result<std::result::Result<ResidentRecord, DomainError>> {
        crate::residents::link(self, resident, id_blinds, name, max_tries_per_day, now).await
    }

    async fn resident_events(
        &self,
        resident_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<EventRecord>> {
        crate::residents::events(self, resident_id, before, limit).await
    }

    async fn resident_event(&self, resident_id: i64, id: i64) -> Result<Option<EventRecord>> {
        crate::residents::event(self, resident_id, id).await
    }

    async fn add_to_event(
        &self,
        resident: &ResidentRecord,
        event_id: i64,
        text: &str,
        attachments: &str,
        now: i64,
    ) -> Result<()> {
        crate::residents::add_to_event(self, resident, event_id, text, attachments, now).await
    }

    async fn resident_photo(
        &self,
        resident: &ResidentRecord,
        sha256: &str,
    ) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
        crate::residents::photo(self, resident, sha256).await
    }

    async fn resident_messages(&self, resident_id: i64, limit: i64) -> Result<Vec<MessageRecord>> {
        crate::residents::messages_of(self, resident_id, limit).await
    }

    async fn queued_messages(&self, limit: i64) -> Result<Vec<MessageRecord>> {
        crate::residents::queued(self, limit).await
    }

    async fn settle_messages(
        &self,
        settled: &[(i64, MessageOutcome)],
        via: &str,
        max_tries: i64,
        now: i64,
    ) -> Result<()> {
        crate::residents::settle(self, settled, via, max_tries, now).await
    }

    async fn outbox(
        &self,
        phone_masked_suffix: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<MessageRecord>> {
        crate::residents::outbox(self, phone_masked_suffix, limit, offset).await
    }

    async fn post_notice(
        &self,
        actor: &Actor,
        region_code: &RegionCode,
        title: &str,
        body: &str,
        now: i64,
    ) -> Result<NoticeRecord> {
        crate::residents::post_notice(self, actor, region_code, title, body, now).await
    }

    async fn notices_for(&self, regions: &[RegionCode], limit: i64) -> Result<Vec<NoticeRecord>> {
        crate::residents::notices_for(self, regions, limit).await
    }

    async fn notices_under(&self, prefix: &str, limit: i64) -> Result<Vec<NoticeRecord>> {
        crate::residents::notices_under(self, prefix, limit).await
    }

    async fn withdraw_notice(&self, actor: &Actor, id: i64, now: i64) -> Result<()> {
        crate::residents::withdraw_notice(self, actor, id, now).await
    }

    async fn notice(&self, id: i64) -> Result<Option<NoticeRecord>> {
        crate::residents::notice(self, id).await
    }
}
