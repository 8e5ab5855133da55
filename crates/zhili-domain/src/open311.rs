//! Open311 GeoReport v2, the city-services standard existing clients speak: what a request
//! form may carry and what it becomes, our statuses in the standard's words (open/closed, and
//! FixMyStreet's step-by-step update statuses), its dates and its query window. The HTTP edge
//! only renders; every rule a client meets is here.

use crate::error::{DomainError, ErrorCode};
use crate::event::Status;
use crate::reference::Category;
use crate::time::{civil_from_days, parse_rfc3339};

/// Most requests one query answers (the standard's default).
pub const MAX_REQUESTS: i64 = 1000;
/// Longest window of one query (the standard's limit), and the default window.
pub const MAX_SPAN_MS: i64 = 90 * 86_400_000;
/// Longest description: our intake's bound (the standard allows servers up to 4,000).
pub const DESCRIPTION_MAX: usize = 2000;
/// Longest address kept with a request (it goes into the description: we place by position).
pub const ADDRESS_MAX: usize = 200;
/// Most service request ids one lookup names.
pub const MAX_IDS: usize = 100;
/// Most fields one form may carry.
pub const MAX_FIELDS: usize = 64;

fn invalid(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

/// A W3C datetime in Beijing time with its offset, as the standard's examples write it:
/// `2026-12-04T09:30:00+08:00`.
pub fn w3(ms: i64) -> String {
    let local = (ms + 8 * 3_600_000).div_euclid(1000);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// A W3C datetime as a client sends it (with `Z` or an offset), to Unix ms.
pub fn parse_w3(field: &str, s: &str) -> Result<i64, DomainError> {
    parse_rfc3339(s.trim()).ok_or_else(|| {
        invalid(
            field,
            "a W3C datetime with its zone, like 2026-12-01T00:00:00+08:00",
            "须为带时区的时间，如 2026-12-01T00:00:00+08:00",
        )
    })
}

/// The standard's two statuses: a request is closed once nothing more will be done.
pub fn request_status(status: Status) -> &'static str {
    if status.is_open() {
        "open"
    } else {
        "closed"
    }
}

/// FixMyStreet's update status for a recorded step that moved a case to `to` (none for
/// records that change no status: supervision, extensions asked).
pub fn update_status(action: &str, from: Option<Status>, to: Status) -> Option<&'static str> {
    if from == Some(to) {
        return None;
    }
    Some(match (action, to) {
        ("reopen", _) => "REOPEN",
        (_, Status::Closed | Status::Evaluated) => "FIXED",
        (_, Status::Rejected) => "NOT_COUNCILS_RESPONSIBILITY",
        (_, Status::Merged) => "DUPLICATE",
        ("escalate" | "return", _) => "INTERNAL_REFERRAL",
        (_, Status::Dispatched | Status::Deferred) => "ACTION_SCHEDULED",
        (_, Status::Reported | Status::Registered) => "INVESTIGATING",
        (_, Status::Accepted | Status::Handled | Status::Verified) => "IN_PROGRESS",
    })
}

/// The window a query reads, [from, to): the last 90 days by default, never longer.
pub fn window(start: Option<i64>, end: Option<i64>, now: i64) -> Result<(i64, i64), DomainError> {
    let (from, to) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s.saturating_add(MAX_SPAN_MS).min(now + 1)),
        (None, Some(e)) => (e.saturating_sub(MAX_SPAN_MS), e),
        (None, None) => (now + 1 - MAX_SPAN_MS, now + 1),
    };
    if from > to {
        return Err(invalid(
            "start_date",
            "start_date is after end_date",
            "开始时间晚于结束时间",
        ));
    }
    if to - from > MAX_SPAN_MS {
        return Err(invalid(
            "end_date",
            "a query spans at most 90 days",
            "查询时间段不能超过 90 天",
        ));
    }
    Ok((from, to))
}

/// A question a service asks beside the standard's fields (`attribute[code]=…`).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub code: &'static str,
    /// string, number, datetime, text, singlevaluelist or multivaluelist.
    pub datatype: &'static str,
    pub required: bool,
    pub description: &'static str,
    pub datatype_description: &'static str,
    pub order: u32,
}

/// The attributes of a category's service: when it happened, for every service; who the
/// parties are, for the kinds that open a mediation.
pub fn attributes(category: &Category) -> Vec<Attribute> {
    let mut out = vec![Attribute {
        code: "occurred_at",
        datatype: "datetime",
        required: false,
        description: "发生时间（不填为上报时间）",
        datatype_description: "带时区的时间，如 2026-12-01T09:30:00+08:00",
        order: 1,
    }];
    if category.opens_dispute {
        out.push(Attribute {
            code: "parties",
            datatype: "text",
            required: false,
            description: "当事人情况（姓名、人数、关系）",
            datatype_description: "不超过 200 字",
            order: 2,
        });
    }
    out
}

/// A request as a client posts it, checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Submission {
    pub service_code: String,
    pub lon: f64,
    pub lat: f64,
    /// What the event's record reads: the description, then the address and the parties.
    pub description: String,
    pub occurred_at: Option<i64>,
    /// 姓 then 名, as names are written here.
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
}

/// The standard's fields; `email`, `device_id` and `account_id` are accepted and not kept
/// (we keep what handling needs: a name and a phone to call back).
const FIELDS: [&str; 15] = [
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
];

fn short(field: &str, value: &str, max: usize) -> Result<Option<String>, DomainError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let checked = if field == "description" || field.starts_with("attribute[") {
        crate::text::note(field, value, max)?
    } else {
        crate::text::line(field, value, max)?
    };
    Ok(Some(checked))
}

fn coordinate(field: &str, raw: Option<&str>, bound: f64) -> Result<f64, DomainError> {
    let raw = raw
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            invalid(
                field,
                "lat and long are required: this jurisdiction places requests by position",
                "须提供经纬度（本系统按位置落入网格）",
            )
        })?;
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && v.abs() <= bound)
        .ok_or_else(|| {
            invalid(
                field,
                format!("a WGS84 number within ±{bound}"),
                "经纬度格式不正确",
            )
        })
}

/// Checks a posted form (its decoded pairs): every field known and given once, a service,
/// a position, a description; the attributes the service asks.
pub fn submission(
    pairs: &[(String, String)],
    category: impl Fn(&str) -> Option<Category>,
) -> Result<Submission, DomainError> {
    if pairs.len() > MAX_FIELDS {
        return Err(invalid(
            "form",
            format!("at most {MAX_FIELDS} fields"),
            "字段过多",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (k, _) in pairs {
        let known = FIELDS.contains(&k.as_str())
            || (k.starts_with("attribute[") && k.ends_with(']') && k.len() > 11);
        if !known {
            return Err(invalid(
                k,
                "not a field of the standard",
                "不是标准中的字段",
            ));
        }
        if seen.contains(&k.as_str()) {
            return Err(invalid(k, "given more than once", "字段重复"));
        }
        seen.push(k);
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let code = get("service_code").map(str::trim).unwrap_or_default();
    if code.is_empty() {
        return Err(invalid(
            "service_code",
            "service_code is required",
            "须提供服务类别",
        ));
    }
    let category = category(code).ok_or_else(|| {
        DomainError::new(ErrorCode::NotFound, format!("no service {code:?}"))
            .with_field("service_code")
            .zh("没有这个服务类别")
    })?;
    if get("media_url").is_some_and(|m| !m.trim().is_empty()) {
        return Err(invalid(
            "media_url",
            "media is not fetched from addresses; attach photos through the native intake",
            "不从链接下载图片，请通过本系统的上报接口上传照片",
        ));
    }
    let lat = coordinate("lat", get("lat"), 90.0)?;
    let lon = coordinate("long", get("long"), 180.0)?;
    let mut description = short(
        "description",
        get("description").unwrap_or(""),
        DESCRIPTION_MAX,
    )?
    .ok_or_else(|| invalid("description", "describe the problem", "请描述问题"))?;
    let asked = attributes(&category);
    let mut occurred_at = None;
    let mut parties = None;
    for (k, v) in pairs {
        let Some(attr) = k
            .strip_prefix("attribute[")
            .and_then(|k| k.strip_suffix(']'))
        else {
            continue;
        };
        match asked.iter().find(|a| a.code == attr).map(|a| a.code) {
            Some("occurred_at") => occurred_at = Some(parse_w3(k, v)?),
            Some("parties") => parties = short(k, v, 200)?,
            _ => {
                return Err(invalid(
                    k,
                    format!("service {} asks no attribute {attr:?}", category.code),
                    "该服务类别没有这个附加项",
                ))
            }
        }
    }
    if let Some(address) = short(
        "address_string",
        get("address_string").unwrap_or(""),
        ADDRESS_MAX,
    )? {
        description.push_str(&format!("\n地址：{address}"));
    }
    if let Some(p) = parties {
        description.push_str(&format!("\n当事人：{p}"));
    }
    let last = short("last_name", get("last_name").unwrap_or(""), 20)?;
    let first = short("first_name", get("first_name").unwrap_or(""), 30)?;
    let reporter_name = match (last, first) {
        (None, None) => None,
        (l, f) => Some(format!(
            "{}{}",
            l.unwrap_or_default(),
            f.unwrap_or_default()
        )),
    };
    Ok(Submission {
        service_code: category.code.clone(),
        lon,
        lat,
        description,
        occurred_at,
        reporter_name,
        reporter_phone: short("phone", get("phone").unwrap_or(""), 30)?,
    })
}

/// A comma-separated list of service request ids (case numbers), at most [`MAX_IDS`].
pub fn request_ids(raw: &str) -> Result<Vec<String>, DomainError> {
    let ids: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.len() > MAX_IDS || ids.iter().any(|i| i.len() > 40) {
        return Err(invalid(
            "service_request_id",
            format!("at most {MAX_IDS} ids of at most 40 characters"),
            format!("最多 {MAX_IDS} 个编号"),
        ));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::MatterClass;
    use crate::reference::Lead;

    fn category(code: &str, dispute: bool) -> Category {
        Category {
            code: code.into(),
            major: "城市管理".into(),
            minor: "占道经营".into(),
            class: MatterClass::Minor,
            urgent: false,
            accept_hours: 2.0,
            handle_hours: 48.0,
            lead: Lead::Locality,
            opens_dispute: dispute,
            version: 1,
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn lookup(code: &str) -> Option<Category> {
        match code {
            "0101" => Some(category("0101", false)),
            "0601" => Some(category("0601", true)),
            _ => None,
        }
    }

    #[test]
    fn dates_are_beijing_time_with_their_offset() {
        assert_eq!(w3(0), "1970-01-01T08:00:00+08:00");
        let t = parse_w3("start_date", "2026-12-04T09:30:00+08:00").unwrap();
        assert_eq!(w3(t), "2026-12-04T09:30:00+08:00");
        assert_eq!(parse_w3("x", "2026-12-04T01:30:00Z").unwrap(), t);
        assert_eq!(
            parse_w3("x", "2026-12-04").unwrap_err().field.as_deref(),
            Some("x")
        );
    }

    #[test]
    fn statuses_in_the_standards_words() {
        assert_eq!(request_status(Status::Dispatched), "open");
        assert_eq!(request_status(Status::Deferred), "open");
        for s in [
            Status::Closed,
            Status::Evaluated,
            Status::Rejected,
            Status::Merged,
        ] {
            assert_eq!(request_status(s), "closed");
        }
        let r = Some(Status::Reported);
        assert_eq!(
            update_status("register", r, Status::Registered),
            Some("INVESTIGATING")
        );
        assert_eq!(
            update_status("dispatch", Some(Status::Registered), Status::Dispatched),
            Some("ACTION_SCHEDULED")
        );
        assert_eq!(
            update_status("return", Some(Status::Dispatched), Status::Registered),
            Some("INTERNAL_REFERRAL")
        );
        assert_eq!(
            update_status("accept", Some(Status::Dispatched), Status::Accepted),
            Some("IN_PROGRESS")
        );
        assert_eq!(
            update_status("close", Some(Status::Verified), Status::Closed),
            Some("FIXED")
        );
        assert_eq!(
            update_status("reject", r, Status::Rejected),
            Some("NOT_COUNCILS_RESPONSIBILITY")
        );
        assert_eq!(update_status("merge", r, Status::Merged), Some("DUPLICATE"));
        assert_eq!(
            update_status("reopen", Some(Status::Closed), Status::Dispatched),
            Some("REOPEN")
        );
        assert_eq!(
            update_status("supervise", Some(Status::Accepted), Status::Accepted),
            None
        );
        assert_eq!(
            update_status("report", None, Status::Reported),
            Some("INVESTIGATING")
        );
    }

    #[test]
    fn a_window_is_at_most_ninety_days() {
        let now = 1_000 * MAX_SPAN_MS;
        assert_eq!(
            window(None, None, now).unwrap(),
            (now + 1 - MAX_SPAN_MS, now + 1)
        );
        assert_eq!(window(Some(5), Some(10), now).unwrap(), (5, 10));
        assert_eq!(
            window(Some(10), Some(5), now).unwrap_err().field.as_deref(),
            Some("start_date")
        );
        assert_eq!(
            window(Some(0), Some(MAX_SPAN_MS + 1), now)
                .unwrap_err()
                .field
                .as_deref(),
            Some("end_date")
        );
        let (f, t) = window(None, Some(now), now).unwrap();
        assert_eq!(t - f, MAX_SPAN_MS);
    }

    #[test]
    fn a_form_becomes_a_submission() {
        let s = submission(
            &pairs(&[
                ("api_key", "k"),
                ("service_code", "0601"),
                ("lat", "29.53"),
                ("long", "108.77"),
                ("description", "邻里因排水沟起纠纷"),
                ("address_string", "正阳街道 12 号"),
                ("attribute[occurred_at]", "2026-12-04T09:30:00+08:00"),
                ("attribute[parties]", "两户，四人"),
                ("last_name", "王"),
                ("first_name", "小明"),
                ("phone", "13800138000"),
                ("email", "kept@nowhere.cn"),
            ]),
            lookup,
        )
        .unwrap();
        assert_eq!(s.service_code, "0601");
        assert_eq!((s.lon, s.lat), (108.77, 29.53));
        assert_eq!(
            s.description,
            "邻里因排水沟起纠纷\n地址：正阳街道 12 号\n当事人：两户，四人"
        );
        assert_eq!(s.reporter_name.as_deref(), Some("王小明"));
        assert_eq!(s.reporter_phone.as_deref(), Some("13800138000"));
        assert!(s.occurred_at.is_some());
    }

    #[test]
    fn a_bad_form_names_its_field() {
        let base = [
            ("service_code", "0101"),
            ("lat", "29.5"),
            ("long", "108.7"),
            ("description", "占道"),
        ];
        let with = |extra: &[(&str, &str)], drop: &str| {
            let mut p: Vec<(&str, &str)> =
                base.iter().copied().filter(|(k, _)| *k != drop).collect();
            p.extend_from_slice(extra);
            submission(&pairs(&p), lookup).unwrap_err()
        };
        assert_eq!(with(&[], "lat").field.as_deref(), Some("lat"));
        assert_eq!(
            with(&[], "description").field.as_deref(),
            Some("description")
        );
        assert_eq!(
            with(&[], "service_code").field.as_deref(),
            Some("service_code")
        );
        assert_eq!(
            with(&[("long", "181")], "long").field.as_deref(),
            Some("long")
        );
        assert_eq!(
            with(&[("colour", "red")], "").field.as_deref(),
            Some("colour")
        );
        assert_eq!(
            with(&[("attribute[parties]", "x")], "").field.as_deref(),
            Some("attribute[parties]")
        );
        assert_eq!(
            with(&[("media_url", "http://10.0.0.1/a.jpg")], "")
                .field
                .as_deref(),
            Some("media_url")
        );
        let e = with(&[("service_code", "9999")], "service_code");
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::NotFound, Some("service_code"))
        );
        let long = "长".repeat(DESCRIPTION_MAX + 1);
        assert_eq!(
            with(&[("description", &long)], "description")
                .field
                .as_deref(),
            Some("description")
        );
        assert_eq!(with(&[("lat", "NaN")], "lat").field.as_deref(), Some("lat"));
        assert_eq!(with(&[("lat", "91")], "lat").field.as_deref(), Some("lat"));
        let many: Vec<(String, String)> = (0..=MAX_FIELDS)
            .map(|i| (format!("attribute[a{i}]"), "x".into()))
            .collect();
        assert_eq!(
            submission(&many, lookup).unwrap_err().field.as_deref(),
            Some("form")
        );
    }

    #[test]
    fn ids_are_bounded() {
        assert_eq!(request_ids(" a, b ,,c").unwrap(), ["a", "b", "c"]);
        let many = vec!["x"; MAX_IDS + 1].join(",");
        assert!(request_ids(&many).is_err());
    }
}
