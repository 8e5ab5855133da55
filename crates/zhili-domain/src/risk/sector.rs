//! The sector assessments (行业研判) of the "1+13+N" mechanism: the departments the district
//! groups together to assess their field's risks. The district decides the grouping, so it is
//! data an administrator edits; each department assesses in one sector at most, so a sector
//! meeting's readers and a department's view of the meetings are never ambiguous.

use crate::DomainError;
use std::collections::HashSet;

/// Sectors a district may keep (the seed's has thirteen).
pub const MAX_SECTORS: usize = 40;

/// One sector assessment and the departments it groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sector {
    /// `S` and two digits.
    pub code: String,
    pub name: String,
    pub departments: Vec<String>,
}

/// The grouping trimmed and checked against the departments that exist, or the first field
/// at fault (`sectors[i].…`).
pub fn check_sectors(
    sectors: Vec<Sector>,
    known: &dyn Fn(&str) -> bool,
) -> Result<Vec<Sector>, DomainError> {
    if sectors.is_empty() || sectors.len() > MAX_SECTORS {
        return Err(
            DomainError::invalid("sectors", format!("1 to {MAX_SECTORS} sectors"))
                .zh(format!("研判板块为 1 至 {MAX_SECTORS} 个")),
        );
    }
    let (mut codes, mut placed) = (HashSet::new(), HashSet::new());
    let mut out = Vec::with_capacity(sectors.len());
    for (i, s) in sectors.into_iter().enumerate() {
        let field = |f: &str| format!("sectors[{i}].{f}");
        let code = s.code.trim().to_string();
        let well_formed = code.len() == 3
            && code.starts_with('S')
            && code[1..].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(
                DomainError::invalid(&field("code"), "S and two digits, e.g. S01")
                    .zh("板块编号为 S 加两位数字，如 S01"),
            );
        }
        if !codes.insert(code.clone()) {
            return Err(
                DomainError::invalid(&field("code"), format!("{code} twice")).zh("板块编号重复"),
            );
        }
        let name = s.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(DomainError::invalid(&field("name"), "1 to 40 characters")
                .zh("板块名称为 1 至 40 个字"));
        }
        if s.departments.is_empty() {
            return Err(
                DomainError::invalid(&field("departments"), "at least one department")
                    .zh("每个板块至少一个部门"),
            );
        }
        let mut departments = Vec::with_capacity(s.departments.len());
        for (j, d) in s.departments.into_iter().enumerate() {
            let d = d.trim().to_string();
            let at = field(&format!("departments[{j}]"));
            if !known(&d) {
                return Err(
                    DomainError::invalid(&at, format!("no department {d:?}")).zh("没有这个部门")
                );
            }
            if !placed.insert(d.clone()) {
                return Err(DomainError::invalid(&at, format!("{d} is in two sectors"))
                    .zh("一个部门只参加一个板块的研判"));
            }
            departments.push(d);
        }
        out.push(Sector {
            code,
            name,
            departments,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sector(code: &str, departments: &[&str]) -> Sector {
        Sector {
            code: code.into(),
            name: " 矛盾纠纷化解 ".into(),
            departments: departments.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn known(d: &str) -> bool {
        d.len() == 3 && d.starts_with('D')
    }

    fn field(sectors: Vec<Sector>) -> String {
        check_sectors(sectors, &known).unwrap_err().field.unwrap()
    }

    #[test]
    fn a_grouping_is_trimmed_and_each_department_placed_once() {
        let ok = check_sectors(
            vec![sector("S01", &["D01", "D02"]), sector("S02", &["D03"])],
            &known,
        )
        .unwrap();
        assert_eq!(ok[0].name, "矛盾纠纷化解");
        assert_eq!(field(vec![]), "sectors");
        assert_eq!(field(vec![sector("01", &["D01"])]), "sectors[0].code");
        assert_eq!(
            field(vec![sector("S01", &["D01"]), sector("S01", &["D02"])]),
            "sectors[1].code"
        );
        assert_eq!(field(vec![sector("S01", &[])]), "sectors[0].departments");
        assert_eq!(
            field(vec![sector("S01", &["X99"])]),
            "sectors[0].departments[0]"
        );
        assert_eq!(
            field(vec![
                sector("S01", &["D01"]),
                sector("S02", &["D02", "D01"])
            ]),
            "sectors[1].departments[1]"
        );
        let mut blank = sector("S01", &["D01"]);
        blank.name = "  ".into();
        assert_eq!(field(vec![blank]), "sectors[0].name");
    }
}
