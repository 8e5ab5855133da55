//! The documents a case gives people to sign and file — the application (人民调解申请书), the
//! agreement (人民调解协议书, with the statute's fields) and the application for judicial
//! confirmation (司法确认申请书) — generated as .docx from the case. They carry the parties' full
//! identifiers, so they are made and read only by the case's managers and mediators (and the
//! court for the confirmation), kept sealed, and each making and each reading is an action in
//! the record; the making names the file's SHA-256.

use super::who;
use crate::crypto::Sealed;
use crate::docx::Docx;
use crate::state::AppState;
use crate::usecase::{forbidden, invalid, not_found, Result};
use base64::Engine;
use sha2::{Digest, Sha256};
use zhili_domain::mediation::DocumentKind;
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode};
use zhili_store::{CaseRecord, DocumentRecord, StoreError};

/// A party as a document names them: the full identifiers, opened for the document only.
struct Named {
    name: String,
    id_number: String,
    phone: String,
    address: String,
}

fn chinese_date(ms: i64) -> String {
    let (y, m, d) = zhili_domain::time::civil_from_days(zhili_domain::calendar::china_day(ms));
    format!("{y}年{m}月{d}日")
}

fn describe(p: &Named) -> String {
    let mut s = p.name.clone();
    if !p.id_number.is_empty() {
        s.push_str(&format!("，身份证号码：{}", p.id_number));
    }
    if !p.phone.is_empty() {
        s.push_str(&format!("，联系电话：{}", p.phone));
    }
    if !p.address.is_empty() {
        s.push_str(&format!("，住址：{}", p.address));
    }
    s
}

/// The document's body for `case` as of `now`.
fn compose(kind: DocumentKind, c: &CaseRecord, parties: &[Named], now: i64) -> Docx {
    let mut d = Docx::new();
    let side = |i: usize| match i {
        0 => "甲方".to_string(),
        1 => "乙方".to_string(),
        2 => "丙方".to_string(),
        n => format!("第{}方", n + 1),
    };
    let mediators = c
        .mediators
        .iter()
        .map(|m| m.name.clone())
        .collect::<Vec<_>>()
        .join("、");
    let terms: serde_json::Value = c
        .terms
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let field = |k: &str| {
        terms
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    match kind {
        DocumentKind::Application => {
            d.title("人民调解申请书");
            for (i, p) in parties.iter().enumerate() {
                let label = if i == 0 {
                    "申请人："
                } else {
                    "被申请人："
                };
                d.labelled(label, &describe(p));
            }
            d.heading("纠纷简要情况：");
            d.para(&c.facts);
            d.heading("申请事项：");
            d.para(&format!(
                "请求{}依法调解“{}”纠纷。",
                c.committee_name, c.title
            ));
            d.para("人民调解委员会已将申请人民调解的相关规定告知我，现自愿申请人民调解委员会进行调解。");
            d.blank();
            d.right("申请人（签名盖章或按指印）：            ");
            d.right(&chinese_date(now));
        }
        DocumentKind::Agreement => {
            d.title("人民调解协议书");
            d.right(&format!("编号：{}", c.number));
            for (i, p) in parties.iter().enumerate() {
                d.labelled(&format!("当事人（{}）：", side(i)), &describe(p));
            }
            d.heading("纠纷主要事实、争议事项：");
            d.para(&field("issues"));
            d.heading("经调解，自愿达成如下协议：");
            d.para(&field("terms"));
            d.heading("履行方式、时限：");
            let by = terms
                .get("perform_by")
                .and_then(|v| v.as_i64())
                .map(chinese_date)
                .unwrap_or_default();
            d.para(&format!("{}，于{}前履行完毕。", field("manner"), by));
            d.para(&format!(
                "本协议一式{}份，当事人、人民调解委员会各持一份。本协议自各方当事人签名（盖章或按指印）、人民调解员签名并加盖人民调解委员会印章之日起生效。人民调解委员会对协议的履行进行监督。",
                parties.len() + 1
            ));
            d.blank();
            for (i, _) in parties.iter().enumerate() {
                d.plain(&format!("当事人（{}）（签名盖章或按指印）：", side(i)));
            }
            d.plain(&format!("人民调解员（签名）：{mediators}"));
            d.blank();
            d.right(&format!("{}（印）", c.committee_name));
            d.right(&chinese_date(c.case.agreed_at.unwrap_or(now)));
        }
        DocumentKind::Confirmation => {
            d.title("司法确认申请书");
            for p in parties {
                d.labelled("申请人：", &describe(p));
            }
            let agreed = chinese_date(c.case.agreed_at.unwrap_or(now));
            d.heading("请求事项：");
            d.para(&format!(
                "请求人民法院对申请人于{agreed}经{}主持调解达成的调解协议（编号：{}）予以司法确认。",
                c.committee_name, c.number
            ));
            d.heading("事实和理由：");
            d.para(&c.facts);
            d.para(&format!(
                "申请人于{agreed}经{}主持调解，自愿达成调解协议。申请人出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；如因虚假陈述等原因导致他人合法权益受到损害的，愿意承担相应的民事责任和其他法律责任。",
                c.committee_name
            ));
            d.plain("附：人民调解协议书一份");
            d.blank();
            d.plain("此致");
            d.plain("重庆市黔江区人民法院");
            d.blank();
            d.right("申请人（签名或者盖章）：            ");
            d.right(&chinese_date(now));
        }
    }
    d
}

/// Whether `user` may make or read this case's documents: its managers and mediators; the court
/// reads the application for confirmation and the agreement it confirms.
pub fn may(user: &User, c: &CaseRecord, kind: DocumentKind) -> bool {
    let w = who(user, c);
    w.manages || w.mediates || (w.court && kind != DocumentKind::Application)
}

/// Makes a document from the case as it now is, keeps it sealed and records its hash.
pub async fn generate(
    state: &AppState,
    user: &User,
    case_id: i64,
    kind: &str,
) -> Result<(DocumentRecord, Vec<u8>)> {
    let kind = DocumentKind::from_code(kind)
        .ok_or_else(|| invalid("kind", "application, agreement or confirmation"))?;
    let c = state
        .store
        .case(&user.scope(), case_id)
        .await?
        .ok_or_else(|| not_found("id", format!("no mediation case {case_id}")))?;
    if !may(user, &c, kind) {
        return Err(forbidden(
            "the case's documents are its committee's and mediators'",
        ));
    }
    let now = crate::now_ms();
    if !kind.available(&c.case, now) {
        return Err(DomainError::new(
            ErrorCode::InvalidTransition,
            format!("the case has no {} to put in writing yet", kind.as_str()),
        )
        .zh(format!("案件当前不能生成{}", kind.label_zh()))
        .into());
    }
    keep(
        state.store.as_ref(),
        &state.key,
        &user.actor(),
        &c,
        kind,
        now,
    )
    .await
}

/// Makes `kind` from the case as it now is, keeps it sealed and records its hash as `actor`
/// (the use case above, and the demo's documents of its settled cases).
pub async fn keep(
    store: &dyn zhili_store::Store,
    key: &crate::crypto::DataKey,
    actor: &zhili_domain::chain::Actor,
    c: &CaseRecord,
    kind: DocumentKind,
    now: i64,
) -> Result<(DocumentRecord, Vec<u8>)> {
    let open = |sealed: &Option<String>, field: Sealed| -> Result<String> {
        match sealed {
            None => Ok(String::new()),
            Some(s) => key
                .open(s, field)
                .map_err(|e| StoreError::Internal(format!("a party's identifier: {e}")).into()),
        }
    };
    let mut parties = Vec::with_capacity(c.parties.len());
    for p in &c.parties {
        parties.push(Named {
            name: p.name.clone(),
            id_number: open(&p.id_sealed, Sealed::PersonIdNumber)?,
            phone: open(&p.phone_sealed, Sealed::PersonPhone)?,
            address: p.address.clone(),
        });
    }
    let bytes = compose(kind, c, &parties, now).to_bytes();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let sealed = key.seal(
        &base64::engine::general_purpose::STANDARD.encode(&bytes),
        Sealed::MediationDocument,
    );
    let mut record = DocumentRecord {
        id: 0,
        case_id: c.id,
        kind,
        sha256: sha256.clone(),
        size: bytes.len() as i64,
        created_by: actor.username.clone(),
        created_at: now,
    };
    let action = actor
        .action(
            now,
            "mediation.document",
            &format!("mediation_case:{}", c.id),
        )
        .opinion(format!(
            "{} sha256:{sha256} ({} bytes; the identifiers of {} parties)",
            kind.as_str(),
            bytes.len(),
            parties.len()
        ));
    record.id = store.add_document(&record, &sealed, action).await?;
    Ok((record, bytes))
}

/// A document as it was made, for a reader of its case who may see it; the reading is recorded.
pub async fn read(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<(DocumentRecord, Vec<u8>, CaseRecord)> {
    let missing = || not_found("id", format!("no document {id}"));
    let (record, sealed) = state.store.document(id).await?.ok_or_else(missing)?;
    let c = state
        .store
        .case(&user.scope(), record.case_id)
        .await?
        .ok_or_else(missing)?;
    if !may(user, &c, record.kind) {
        return Err(forbidden(
            "the case's documents are its committee's and mediators'",
        ));
    }
    let text = state
        .key
        .open(&sealed, Sealed::MediationDocument)
        .map_err(|e| StoreError::Internal(format!("document {id}: {e}")))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| StoreError::Internal(format!("document {id}: {e}")))?;
    if hex::encode(Sha256::digest(&bytes)) != record.sha256 {
        return Err(StoreError::Internal(format!(
            "document {id} does not match its recorded hash"
        ))
        .into());
    }
    state
        .store
        .record_read(
            user.actor()
                .action(
                    crate::now_ms(),
                    "mediation.document.read",
                    &format!("mediation_case:{}", c.id),
                )
                .opinion(format!("{} document {id}", record.kind.as_str())),
        )
        .await?;
    Ok((record, bytes, c))
}

/// Whether `user` sees the list of the case's documents.
pub fn may_read(user: &User, c: &CaseRecord) -> bool {
    let w = who(user, c);
    w.manages || w.mediates || w.court
}

/// The documents the case can have now (for its page).
pub fn available(c: &CaseRecord, user: &User, now: i64) -> Vec<DocumentKind> {
    DocumentKind::ALL
        .into_iter()
        .filter(|k| k.available(&c.case, now) && may(user, c, *k))
        .collect()
}
