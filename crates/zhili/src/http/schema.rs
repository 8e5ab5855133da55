//! Schemas of the API's vocabulary for the OpenAPI document, built from the domain's own
//! lists and rules, so that the document states exactly what the server accepts (a client
//! generated from it, or a contract fuzzer, meets no surprise).

use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

/// A region code as `RegionCode::parse` takes it: a district (6 digits, not a prefecture's
/// `..00`), a town or a village (segment 001–399), a grid (segment 001–999).
pub const REGION_CODE: &str = concat!(
    "^[0-9]{4}(0[1-9]|[1-9][0-9])",
    "((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})",
    "((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})",
    "(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})?)?)?$"
);

/// A grid's code (15 digits).
pub const GRID_CODE: &str = concat!(
    "^[0-9]{4}(0[1-9]|[1-9][0-9])",
    "(00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})",
    "(00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})",
    "(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})$"
);

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::Type(Type::String))
}

/// A string that is one of `values`.
pub fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    string()
        .enum_values(Some(values.into_iter().map(str::to_string)))
        .build()
}

/// A string matching `pattern`.
pub fn matching(pattern: &'static str) -> Object {
    string().pattern(Some(pattern)).build()
}

pub fn region_code() -> Object {
    string().pattern(Some(REGION_CODE)).build()
}

pub fn grid_code() -> Object {
    string().pattern(Some(GRID_CODE)).build()
}

pub fn channel() -> Object {
    one_of(zhili_domain::event::Channel::ALL.map(|c| c.as_str()))
}

/// The channels a report is made through.
pub fn reported_channel() -> Object {
    one_of(zhili_domain::event::Channel::REPORTED.map(|c| c.as_str()))
}

pub fn status() -> Object {
    one_of(zhili_domain::event::Status::ALL.map(|s| s.as_str()))
}

pub fn level() -> Object {
    one_of(zhili_domain::region::Level::ALL.map(|l| l.as_str()))
}

pub fn unit_kind() -> Object {
    one_of(zhili_domain::unit::UnitKind::ALL.map(|k| k.as_str()))
}

pub fn role() -> Object {
    one_of(zhili_domain::role::Role::ALL.map(|r| r.as_str()))
}

/// A spreadsheet's format: `xlsx` or `csv`.
pub fn sheet_format() -> Object {
    one_of(["xlsx", "csv"])
}

/// The coordinate systems a point may come in.
pub fn crs() -> Object {
    one_of(zhili_spatial::Crs::NAMES.map(|(n, _)| n))
}

pub fn crs_or_null() -> Object {
    or_null(crs())
}

/// The same schema, also taking `null` (an optional field sent as null).
pub fn or_null(schema: Object) -> Object {
    let mut schema = schema;
    schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    if let Some(values) = schema.enum_values.as_mut() {
        values.push(serde_json::Value::Null);
    }
    schema
}

/// Text not blank, of at most `max` characters, none of them forbidden (and for one line,
/// no tab or line break): `zhili_domain::text::{line, note}`.
fn text(max: usize, one_line: bool) -> Object {
    let allowed = zhili_domain::text::allowed_pattern();
    // `^[^F]*$`: F, the forbidden characters.
    let mut class = allowed[3..allowed.len() - 3].to_string();
    if one_line {
        class.push_str("\\t\\n\\r");
    }
    string()
        .pattern(Some(format!("^[^{class}]*[^\\s{class}][^{class}]*$")))
        .max_length(Some(max))
        .build()
}

/// A note for the record (a reason, what was done): up to 2,000 characters.
pub fn note() -> Object {
    text(2000, false)
}

pub fn note_or_null() -> Object {
    or_null(note())
}

pub fn note_5000() -> Object {
    text(5000, false)
}

pub fn line_20() -> Object {
    text(20, true)
}

pub fn line_50() -> Object {
    text(50, true)
}

pub fn line_50_or_null() -> Object {
    or_null(line_50())
}

pub fn line_100() -> Object {
    text(100, true)
}

pub fn line_200() -> Object {
    text(200, true)
}

/// A name in the reference data: up to 100 characters.
pub fn name() -> Object {
    text(100, false)
}

pub fn matter_class_or_null() -> Object {
    or_null(matter_class())
}

/// A unit's id: a department's code (`D01`), `C` + a centre's region code, `S` + a
/// station's village code.
pub const UNIT_ID: &str = "^(D[0-9]{2}|C[0-9]{6}|C[0-9]{9}|S[0-9]{12})$";

pub fn unit_id() -> Object {
    string().pattern(Some(UNIT_ID)).build()
}

/// Up to `max` unit ids.
pub fn unit_list(max: usize) -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(unit_id())
        .max_items(Some(max))
        .build()
}

pub fn unit_id_or_null() -> Object {
    or_null(string().pattern(Some(UNIT_ID)).build())
}

pub fn unit_ids_or_null() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(string().pattern(Some(UNIT_ID)).build())
        .max_items(Some(super::super::usecase::act::MAX_ASSISTING))
        .build()
}

/// Components or cameras, by code or Chinese name.
pub fn thing_kind() -> Object {
    one_of(["component", "部件", "camera", "摄像头", "视频监控"])
}

pub fn org_kind() -> Object {
    one_of(zhili_domain::org::KINDS.map(|(code, _)| code))
}

pub fn situation_kind() -> Object {
    one_of(zhili_domain::situation::KINDS.map(|(code, _)| code))
}

/// A key group by code or Chinese name.
pub fn population_type() -> Object {
    use zhili_domain::person::PopulationType;
    one_of(
        PopulationType::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>(),
    )
}

pub fn key_group() -> Object {
    use zhili_domain::person::KeyGroup;
    one_of(
        KeyGroup::ALL
            .iter()
            .flat_map(|k| [k.as_str(), k.label_zh()])
            .collect::<Vec<_>>(),
    )
}

pub fn link_target() -> Object {
    one_of(zhili_domain::situation::LinkTarget::ALL.map(|t| t.as_str()))
}

/// A category code (four digits) or its major class (two).
pub fn category_filter() -> Object {
    string().pattern(Some("^[0-9]{2}([0-9]{2})?$")).build()
}

/// An import's progress id of the caller's choosing.
pub fn progress_id() -> Object {
    string().pattern(Some("^[A-Za-z0-9-]{1,64}$")).build()
}

/// Text a list is searched by: up to `MAX_SEARCH` characters.
pub fn search() -> Object {
    string().max_length(Some(super::error::MAX_SEARCH)).build()
}

/// Photo ids answered by `POST /api/v1/attachments` (their SHA-256, lower-case hex), at most
/// `MAX_PHOTOS`.
pub fn photo_ids_or_null() -> utoipa::openapi::schema::Array {
    let mut ids = photo_ids();
    ids.schema_type = SchemaType::from_iter([Type::Array, Type::Null]);
    ids
}

/// The same, never null.
pub fn photo_ids() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(string().pattern(Some("^[0-9a-f]{64}$")).build())
        .max_items(Some(crate::usecase::evidence::MAX_PHOTOS))
        .build()
}

pub fn matter_class() -> Object {
    one_of(zhili_domain::event::MatterClass::ALL.map(|c| c.as_str()))
}

pub fn password() -> Object {
    string()
        .min_length(Some(
            zhili_domain::user::PasswordPolicy::default().min_chars,
        ))
        .max_length(Some(zhili_domain::user::MAX_PASSWORD_CHARS))
        .build()
}

/// A link target as `kind:id`.
pub fn linked() -> Object {
    let kinds = zhili_domain::situation::LinkTarget::ALL
        .map(|t| t.as_str())
        .join("|");
    string()
        .pattern(Some(format!("^({kinds}):[1-9][0-9]{{0,17}}$")))
        .build()
}

pub fn thing_state() -> Object {
    use zhili_domain::thing::{CAMERA_STATES, COMPONENT_STATES};
    one_of(
        COMPONENT_STATES
            .iter()
            .chain(CAMERA_STATES.iter())
            .map(|s| s.as_str()),
    )
}

pub fn note_50() -> Object {
    text(50, false)
}

pub fn note_200() -> Object {
    text(200, false)
}

pub fn line_40() -> Object {
    text(40, true)
}

/// What a house is used for.
pub fn house_usage() -> Object {
    one_of(crate::places::HOUSE_USAGES)
}

/// A calendar day's kind.
pub fn day_kind() -> Object {
    one_of(["holiday", "workday"])
}

pub fn situation_source_or_null() -> Object {
    or_null(one_of(
        zhili_domain::situation::SOURCES.map(|(code, _)| code),
    ))
}

/// Up to ten tags of up to 20 characters each, without `|` or control characters (blank
/// ones are dropped).
pub fn tags_or_null() -> utoipa::openapi::schema::Array {
    let allowed = zhili_domain::text::allowed_pattern();
    let class = &allowed[3..allowed.len() - 3];
    utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            string()
                .pattern(Some(format!("^[^|\\t\\n\\r{class}]{{0,20}}$")))
                .build(),
        )
        .max_items(Some(zhili_domain::situation::MAX_TAGS))
        .build()
}

/// A dispatch rule's lead: 属地 or a unit id.
pub fn lead() -> Object {
    string()
        .pattern(Some("^(属地|D[0-9]{2}|C[0-9]{6}|C[0-9]{9}|S[0-9]{12})$"))
        .build()
}

pub fn unit_ids() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(string().pattern(Some(UNIT_ID)).build())
        .max_items(Some(crate::usecase::act::MAX_ASSISTING))
        .build()
}

pub fn line_100_or_null() -> Object {
    or_null(line_100())
}

pub fn line_200_or_null() -> Object {
    or_null(line_200())
}

pub fn region_code_or_null() -> Object {
    or_null(region_code())
}

/// A subcategory code (four digits).
pub fn category_or_null() -> Object {
    or_null(string().pattern(Some("^[0-9]{4}$")).build())
}

/// Names of people (attendees): one line of up to 50 characters each.
pub fn names() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(line_50())
        .min_items(Some(2))
        .max_items(Some(50))
        .build()
}

pub fn mediation_status() -> Object {
    one_of(zhili_domain::mediation::Status::ALL.map(|s| s.as_str()))
}

pub fn mediation_origin_or_null() -> Object {
    or_null(one_of(
        zhili_domain::mediation::Origin::ALL.map(|s| s.as_str()),
    ))
}

pub fn party_kind_or_null() -> Object {
    or_null(one_of(
        zhili_domain::mediation::PARTY_KINDS.map(|(code, _)| code),
    ))
}

pub fn agreement_form() -> Object {
    one_of(["written", "oral"])
}

pub fn referral() -> Object {
    one_of(["litigation", "arbitration", "petition", "police"])
}

/// A day of the calendar, `YYYY-MM-DD`.
pub fn date() -> Object {
    string()
        .pattern(Some("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"))
        .build()
}

/// Case statuses, comma-separated, or `open`.
pub fn mediation_statuses() -> Object {
    let one = zhili_domain::mediation::Status::ALL
        .map(|s| s.as_str())
        .join("|");
    string()
        .pattern(Some(format!("^(open|{one})(,(open|{one}))*$")))
        .build()
}

/// A phone number as `crypto::normalize_phone` takes it (7 to 15 digits, spaces and dashes
/// between them, `+86` before them), or "" for none.
pub fn phone_or_empty() -> Object {
    let mut schema = string()
        .pattern(Some("^((\\+86)?[ -]*([0-9][ -]*){7,15})?$"))
        .build();
    schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    schema
}

pub fn date_or_null() -> Object {
    or_null(date())
}

/// A subcategory code (four digits).
pub fn category() -> Object {
    string().pattern(Some("^[0-9]{4}$")).build()
}

pub fn document_kind() -> Object {
    one_of(zhili_domain::mediation::DOCUMENT_KINDS.map(|(code, _)| code))
}

pub fn star_indicator() -> Object {
    one_of(zhili_domain::mediation::stars::INDICATORS.map(|(key, _)| key))
}

pub fn note_500() -> Object {
    text(500, false)
}

pub fn mediation_group() -> Object {
    one_of(crate::usecase::mediation::stats::Group::ALL.map(|(key, _)| key))
}

pub fn note_500_or_null() -> Object {
    or_null(note_500())
}

pub fn note_1000() -> Object {
    text(1000, false)
}

pub fn note_4000() -> Object {
    text(4000, false)
}

pub fn line_60() -> Object {
    text(60, true)
}
