//! Turning what a person's registration says into what is stored: the document checked
//! (GB 11643 for ID cards), sex and birth date taken from the ID number, identifiers sealed,
//! masked and blind-indexed. Shared by the API and the spreadsheet import, so both refuse
//! the same things with the same field names.

use crate::crypto::{self, DataKey};
use crate::regions::RegionIndex;
use zhili_domain::person::{self, PopulationType};
use zhili_domain::{id_number, DomainError, Level, RegionCode, Scope};
use zhili_store::NewPerson;

/// A registration as entered.
#[derive(Clone, Debug, Default)]
pub struct PersonInput {
    pub id_type: String,
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub grid_code: String,
    pub population_type: Option<String>,
    pub house_id: Option<i64>,
    /// The fields a population type needs (e.g. 流动人口: origin, arrived, reason).
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// The value, or the problem noted and nothing.
fn keep<T>(problems: &mut Vec<DomainError>, r: Result<T, DomainError>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok()
}

fn grid_in_scope(raw: &str, index: &RegionIndex, scope: &Scope) -> Result<RegionCode, DomainError> {
    let grid = RegionCode::parse(raw.trim()).map_err(|e| {
        DomainError::invalid("grid_code", e.message)
            .zh(format!("网格编码“{}”格式不对（应为15位数字）", raw.trim()))
    })?;
    if grid.level() != Level::Grid || index.chain(grid.as_str()).is_none() {
        return Err(
            DomainError::invalid("grid_code", format!("{grid} is not a current grid"))
                .zh(format!("{grid}不是现行网格")),
        );
    }
    if !scope.sees_region(&grid) {
        return Err(
            DomainError::invalid("grid_code", format!("{grid} is not in your area"))
                .zh(format!("网格{grid}不在您的辖区内")),
        );
    }
    Ok(grid)
}

/// Details as text pairs (numbers as written, nulls dropped); other values are problems.
pub fn detail_pairs(
    details: &serde_json::Map<String, serde_json::Value>,
    problems: &mut Vec<DomainError>,
) -> Vec<(String, String)> {
    let mut pairs = Vec::with_capacity(details.len());
    for (k, v) in details {
        match v {
            serde_json::Value::String(s) => pairs.push((k.clone(), s.clone())),
            serde_json::Value::Number(n) => pairs.push((k.clone(), n.to_string())),
            serde_json::Value::Null => {}
            _ => problems
                .push(DomainError::invalid(&format!("details.{k}"), "a text value").zh("应为文字")),
        }
    }
    pairs
}

/// Checked details as stored: a JSON object of trimmed, non-empty text.
pub fn details_json(pairs: Vec<(String, String)>) -> String {
    serde_json::Value::Object(
        pairs
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k, serde_json::Value::String(v.trim().to_string())))
            .collect(),
    )
    .to_string()
}

/// The blind index of an identity number, whatever its document type.
pub fn blind_id(key: &DataKey, number: &str) -> String {
    // As registered: a number searched for in full-width digits finds its person.
    key.blind("id_number", &zhili_domain::id_number::normalise(number))
}

/// The blind index of an identity number under every key of the ring, the current first:
/// what a lookup matches while a rotation re-keys.
pub fn blind_ids(key: &DataKey, number: &str) -> Vec<String> {
    key.blinds("id_number", &zhili_domain::id_number::normalise(number))
}

/// Checks one registration: every field on its own, so a spreadsheet row learns all that is
/// wrong with it at once. The problems come in column order.
pub fn prepare(
    input: &PersonInput,
    key: &DataKey,
    index: &RegionIndex,
    scope: &Scope,
    today: i64,
) -> Result<NewPerson, Vec<DomainError>> {
    let mut problems = Vec::new();
    let id_type = if input.id_type.trim().is_empty() {
        "111"
    } else {
        input.id_type.trim()
    };
    let document = keep(
        &mut problems,
        person::check_document(id_type, &input.id_number, today),
    );
    let name = keep(&mut problems, person::check_name(&input.name));
    let phone = keep(
        &mut problems,
        input
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                crypto::normalize_phone(p).map_err(|e| DomainError {
                    field: Some("phone".into()),
                    ..e
                })
            })
            .transpose(),
    );
    let grid = keep(&mut problems, grid_in_scope(&input.grid_code, index, scope));
    let population = keep(
        &mut problems,
        match input.population_type.as_deref().map(str::trim) {
            None | Some("") => Ok(PopulationType::Registered),
            Some(p) => PopulationType::parse(p).ok_or_else(|| {
                DomainError::invalid(
                    "population_type",
                    format!("{p:?} is not 户籍人口, 流动人口, 境外人员 or 留守人员"),
                )
                .zh(format!(
                    "人口类型“{p}”应为户籍人口、流动人口、境外人员或留守人员"
                ))
            }),
        },
    );
    if population == Some(PopulationType::Foreign) && id_type == "111" {
        keep(
            &mut problems,
            Err::<(), _>(
                DomainError::invalid(
                    "id_type",
                    "foreign residents register with a passport or permanent-residence card",
                )
                .zh("境外人员应以护照或永久居留身份证登记"),
            ),
        );
    }
    // The fields the population type needs, as text.
    let pairs = detail_pairs(&input.details, &mut problems);
    if let Some(p) = population {
        problems.extend(person::check_details(p, &pairs, today));
    }
    let details = details_json(pairs);
    if details.len() > 4_000 {
        keep(
            &mut problems,
            Err::<(), _>(DomainError::invalid("details", "at most 4,000 bytes")),
        );
    }
    let (Some((number, resident)), Some(name), Some(grid), Some(population), Some(phone)) =
        (document, name, grid, population, phone)
    else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(NewPerson {
        id_type: id_type.to_string(),
        id_blind: blind_id(key, &number),
        id_blinds_older: blind_ids(key, &number).split_off(1),
        id_sealed: key.seal(&number, crate::crypto::Sealed::PersonIdNumber),
        id_masked: id_number::mask(&number),
        name,
        sex: resident.as_ref().map(|r| r.sex.as_str().to_string()),
        birth_date: resident.as_ref().map(|r| {
            let (y, m, d) = r.birth_date;
            format!("{y:04}-{m:02}-{d:02}")
        }),
        phone_sealed: phone
            .as_deref()
            .map(|p| key.seal(p, crate::crypto::Sealed::PersonPhone)),
        phone_masked: phone.as_deref().map(crypto::mask_phone),
        population_type: population.as_str().to_string(),
        house_id: input.house_id,
        grid_code: grid,
        details,
    })
}
