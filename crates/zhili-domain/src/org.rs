//! Organisations and sites of the grids: enterprises, social organisations, schools, hospitals,
//! hazardous-chemical sites and delivery/logistics points, with their unified social credit
//! codes (GB 32100-2015) checked.

use crate::error::DomainError;

crate::vocabulary!(
    /// What an organisation or site is.
    OrgKind, KINDS {
        Enterprise = ("enterprise", "企业"),
        SocialOrg = ("social_org", "社会组织"),
        School = ("school", "学校"),
        Hospital = ("hospital", "医疗机构"),
        HazardousChemicals = ("hazardous_chemicals", "危化品场所"),
        Logistics = ("logistics", "寄递物流网点"),
    }
);

/// The 31 characters a credit code is written in (no I, O, Z, S, V).
const CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character of a credit code's first 17 characters, if they are all valid.
pub fn credit_check(first17: &str) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.bytes().zip(WEIGHTS) {
        sum += CHARS.iter().position(|&x| x == c)? as u32 * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARS[check as usize] as char)
}

/// Checks a unified social credit code: 18 characters of the code's alphabet, the region
/// part six digits, and the MOD 31 check character.
pub fn parse_credit_code(raw: &str) -> Result<String, DomainError> {
    let code = raw.trim().to_ascii_uppercase();
    let bad = |m: String, zh: String| DomainError::invalid("credit_code", m).zh(zh);
    if code.len() != 18 || !code.bytes().all(|b| CHARS.contains(&b)) {
        return Err(bad(
            "a unified social credit code is 18 characters of 0-9 and A-Y without I, O, S, V, Z"
                .into(),
            "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）".into(),
        ));
    }
    if !code[2..8].bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "characters 3 to 8 are the region code".into(),
            "第3至8位应为行政区划码".into(),
        ));
    }
    let want = credit_check(&code[..17]).unwrap_or('?');
    if code.as_bytes()[17] as char != want {
        return Err(bad(
            format!("the check character is {want}, not {}", &code[17..]),
            format!("校验码应为{want}，不是{}", &code[17..]),
        ));
    }
    Ok(code)
}

/// A valid code for demo data: registration authority and type, region, and a body.
pub fn compose_credit_code(kind_digits: &str, region: &str, body: &str) -> String {
    let first = format!("{kind_digits}{region}{body}");
    let check = credit_check(&first).unwrap_or('0');
    format!("{first}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes() {
        // A published example code.
        assert_eq!(
            parse_credit_code("91350100M000100Y43").unwrap(),
            "91350100M000100Y43"
        );
        let made = compose_credit_code("91", "500114", "MA5U0A1B2");
        assert_eq!(made.len(), 18);
        assert_eq!(parse_credit_code(&made.to_lowercase()).unwrap(), made);
        let mut wrong = made.clone().into_bytes();
        wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
        let e = parse_credit_code(std::str::from_utf8(&wrong).unwrap()).unwrap_err();
        assert!(e.message.contains("check character"), "{}", e.message);
        assert!(parse_credit_code("91350100M000100Y4").is_err());
        assert!(parse_credit_code("91350100M000100O43").is_err());
        assert_eq!(OrgKind::parse("学校"), Some(OrgKind::School));
        assert_eq!(OrgKind::School.as_str(), "school");
    }
}
