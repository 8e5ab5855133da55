//! Resident identity card numbers (公民身份号码, GB 11643-1999): six digits of the region of
//! first registration (GB/T 2260), the birth date as YYYYMMDD, a three-digit sequence whose
//! last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character.

use crate::error::{DomainError, ErrorCode};
use crate::time::days_from_civil;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";
/// First two digits of the provinces, autonomous regions and municipalities (GB/T 2260),
/// plus Taiwan, Hong Kong and Macao as issued on residence permits.
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(&self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// A number that passed every check, with what it tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidentId {
    /// Upper case, 18 characters.
    pub number: String,
    /// The six-digit region of first registration.
    pub region: String,
    /// Days since 1970-01-01.
    pub birth_day: i64,
    pub birth_date: (i64, u32, u32),
    pub sex: Sex,
}

/// The check character of the first 17 digits.
pub fn check_character(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

fn bad(message: impl Into<String>, zh: String) -> DomainError {
    DomainError::new(ErrorCode::InvalidIdNumber, message)
        .with_field("id_number")
        .zh(zh)
}

/// A document number as people type it, made what it is: full-width (全角) digits and letters
/// made half-width, spaces and line breaks anywhere in it (a pasted or wrapped cell) dropped,
/// letters upper-case.
pub fn normalise(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0)
            }
            '\u{200B}' | '\u{FEFF}' => None,
            c if c.is_whitespace() => None,
            c => Some(c),
        })
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Whether a cell shows a number in Excel's scientific form (`5.00114E+17`): what an ID number
/// typed into a number cell becomes, its digits past the fifteenth lost.
fn is_scientific(number: &str) -> bool {
    number.contains('E')
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'E' | b'+' | b'-'))
        && number.parse::<f64>().is_ok()
}

/// Parses and checks a number; `today` (days since 1970-01-01) bounds the birth date.
pub fn parse(raw: &str, today: i64) -> Result<ResidentId, DomainError> {
    let number = normalise(raw);
    if is_scientific(&number) {
        return Err(bad(
            format!(
                "{number} is a number, not text: Excel and WPS keep 15 digits of a number, so \
                 the ID number's last digits are lost; format the column as text and enter them again"
            ),
            format!(
                "{number}是数值而不是文本：Excel和WPS的数值只保留15位，身份证号码的后几位已丢失。\
                 请把该列设为“文本”格式后重新录入"
            ),
        ));
    }
    let b = number.as_bytes();
    if b.len() != 18 {
        let n = number.chars().count();
        return Err(bad(
            format!("an ID number has 18 characters, not {n}"),
            format!("身份证号码应为18位，此处为{n}位"),
        ));
    }
    if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(bad(
            "17 digits and a digit or X",
            "应为17位数字加1位数字或X".into(),
        ));
    }
    let province = (b[0] - b'0') * 10 + (b[1] - b'0');
    if !PROVINCES.contains(&province) {
        return Err(bad(
            format!("{} is not a region of first registration", &number[..6]),
            format!("{}不是有效的地址码", &number[..6]),
        ));
    }
    let digits = |r: std::ops::Range<usize>| number[r].parse::<i64>().unwrap_or(0);
    let (y, m, d) = (digits(6..10), digits(10..12) as u32, digits(12..14) as u32);
    let day = days_from_civil(y, m, d);
    let real = (1..=12).contains(&m) && d >= 1 && crate::time::civil_from_days(day) == (y, m, d);
    if !real || y < 1880 || day > today {
        return Err(bad(
            format!("{} is not a possible birth date", &number[6..14]),
            format!("出生日期{}不存在或不合理", &number[6..14]),
        ));
    }
    let want = check_character(&b[..17]);
    if b[17] != want {
        return Err(bad(
            format!(
                "the check character is {}, not {}",
                want as char, b[17] as char
            ),
            format!("校验位应为{}，不是{}", want as char, b[17] as char),
        ));
    }
    Ok(ResidentId {
        region: number[..6].to_string(),
        birth_day: day,
        birth_date: (y, m, d),
        sex: if (b[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        },
        number,
    })
}

/// As lists and exports show an identifier: the first four characters
/// (`5001**************`); short values are starred whole.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    // Only the first four: with the last two (a sequence digit and the check character),
    // and the birth date and sex shown beside them, a handful of candidates were left.
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 4));
    out
}

/// The ten-year age band (`30–39`) shown instead of a birth date to those who have not
/// revealed a person's number: with the date and sex beside even a starred number, and the
/// region all but known in a district, a thousand guesses would find any number.
pub fn age_band(birth_date: &str, today: i64) -> Option<String> {
    let born = crate::time::parse_date(birth_date)?;
    let (by, bm, bd) = crate::time::civil_from_days(born);
    let (ty, tm, td) = crate::time::civil_from_days(today);
    let mut age = ty - by;
    if (tm, td) < (bm, bd) {
        age -= 1;
    }
    let low = age.max(0) / 10 * 10;
    Some(format!("{low}–{}", low + 9))
}

/// A valid number for a region, birth day and sequence (demo data and tests).
pub fn compose(region: &str, birth_day: i64, sequence: u32) -> String {
    let (y, m, d) = crate::time::civil_from_days(birth_day);
    let mut s = format!("{region}{y:04}{m:02}{d:02}{:03}", sequence % 1000);
    let check = check_character(s.as_bytes());
    s.push(check as char);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> i64 {
        days_from_civil(2026, 11, 28)
    }

    #[test]
    fn the_standards_example_and_what_it_tells() {
        // The example number of GB 11643-1999.
        let id = parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.number, "11010519491231002X");
        assert_eq!(id.region, "110105");
        assert_eq!(id.birth_date, (1949, 12, 31));
        assert_eq!(id.sex, Sex::Female);
        assert_eq!(parse("440524188001010014", today()).unwrap().sex, Sex::Male);
    }

    #[test]
    fn every_kind_of_wrong_number_is_refused_with_the_reason() {
        let cases = [
            ("1101051949123100", "18 characters", "应为18位"),
            ("11010519491231002Y", "digit or X", "数字或X"),
            ("1101051949123A002X", "digit or X", "数字或X"),
            ("99010519491231002X", "region", "地址码"),
            ("110105194913310028", "birth date", "出生日期"),
            ("110105194902300028", "birth date", "出生日期"),
            ("110105203001010028", "birth date", "出生日期"),
            ("110105187001010028", "birth date", "出生日期"),
            ("110105194912310021", "check character is X", "校验位应为X"),
        ];
        for (raw, reason, zh) in cases {
            let e = parse(raw, today()).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidIdNumber, "{raw}");
            assert!(e.message.contains(reason), "{raw}: {}", e.message);
            let said = e.message_zh.unwrap_or_default();
            assert!(said.contains(zh), "{raw}: {said}");
        }
    }

    #[test]
    fn composed_numbers_pass_and_any_single_digit_change_is_caught() {
        let born = days_from_civil(1986, 2, 28);
        for seq in 0..300 {
            let n = compose("500114", born + seq as i64, seq);
            let id = parse(&n, today()).unwrap();
            assert_eq!(id.region, "500114");
            assert_eq!(id.birth_day, born + seq as i64);
            // MOD 11-2 catches every single-character substitution.
            for i in 0..17 {
                let mut b = n.clone().into_bytes();
                b[i] = if b[i] == b'9' { b'0' } else { b[i] + 1 };
                let changed = String::from_utf8(b).unwrap();
                assert!(parse(&changed, today()).is_err(), "{changed}");
            }
        }
    }

    #[test]
    fn numbers_as_offices_type_them() {
        let today = today();
        // Full-width digits and X, a full-width space and a line break inside: the same number.
        let id = parse("１１０１０５ １９４９１２３１\n００２ｘ", today).unwrap();
        assert_eq!(id.number, "11010519491231002X");
        assert_eq!(
            normalise("\u{3000}11010519491231002x\u{00A0}"),
            "11010519491231002X"
        );
        // Full-width digits one short are counted as characters, not bytes.
        let e = parse("１１０１０５１９４９１２３１００２", today).unwrap_err();
        assert!(e.message.contains("not 17"), "{}", e.message);
        // A number cell: the digits past the fifteenth are gone, and the sheet is to blame,
        // not a check character.
        for cell in ["5.00114199001011E+17", "5.00114E+17", "5.00114e17"] {
            let e = parse(cell, today).unwrap_err();
            assert!(
                e.message.contains("15 digits") && !e.message.contains("check"),
                "{}",
                e.message
            );
            assert!(e.message_zh.as_deref().is_some_and(|z| z.contains("文本")));
        }
    }

    #[test]
    fn masks_keep_four() {
        assert_eq!(mask("500114198602281234"), "5001**************");
        assert_eq!(mask("13800138000"), "1380*******");
        assert_eq!(mask("12345"), "*****");
    }

    /// What a role sees without revealing (the masked number, the age band, the sex), even
    /// with the region taken as known, leaves at least a million valid numbers.
    #[test]
    fn what_is_shown_unrevealed_leaves_a_million_candidates() {
        let today = today();
        for (born, seq) in [((1986, 2, 28), 123), ((2020, 1, 1), 2), ((1926, 12, 31), 7)] {
            let real = compose("500114", days_from_civil(born.0, born.1, born.2), seq);
            let person = parse(&real, today).unwrap();
            let band = age_band(&crate::calendar::date_string(person.birth_day), today).unwrap();
            let shown = (mask(&real), band, person.sex.clone());
            let mut days = 0i64;
            for day in (today - 130 * 366)..=today {
                let text = crate::calendar::date_string(day);
                if age_band(&text, today).as_ref() == Some(&shown.1) {
                    days += 1;
                }
            }
            // Sequences with the sex's parity; the check character follows from the rest.
            let sequences = (0..1000u32)
                .filter(|s| {
                    let id = compose("500114", person.birth_day, *s);
                    parse(&id, today).is_ok_and(|p| p.sex == shown.2 && mask(&id) == shown.0)
                })
                .count() as i64;
            assert!(
                days * sequences >= 1_000_000,
                "{real}: {days} days × {sequences} sequences"
            );
        }
        assert_eq!(
            age_band("1986-02-28", days_from_civil(2026, 2, 27)).as_deref(),
            Some("30–39")
        );
        assert_eq!(
            age_band("1986-02-28", days_from_civil(2026, 2, 28)).as_deref(),
            Some("40–49")
        );
        assert_eq!(age_band("not a date", 0), None);
    }
}
