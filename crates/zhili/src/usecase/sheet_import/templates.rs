//! The import templates (the columns and an example row, as .xlsx or CSV) and a sample
//! sheet of made-up residents for trying the import at scale.

use super::*;

/// The import template: the header row (required columns starred) and one example row, as
/// .xlsx with every column formatted as text, so ID numbers keep all 18 characters.
pub fn template_xlsx(sheet: Sheet) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let page = book.add_worksheet();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let required = rust_xlsxwriter::Format::new().set_bold();
    for (i, c) in sheet.columns().iter().enumerate() {
        let col = i as u16;
        let title = if c.required {
            format!("{}*", c.header)
        } else {
            c.header.to_string()
        };
        if c.required {
            page.write_string_with_format(0, col, &title, &required)
        } else {
            page.write_string(0, col, &title)
        }
        .map_err(|e| e.to_string())?;
        page.set_column_format(col, &text)
            .map_err(|e| e.to_string())?;
        page.set_column_width(col, 20).map_err(|e| e.to_string())?;
    }
    for (i, v) in sheet.example().iter().enumerate() {
        page.write_string(1, i as u16, *v)
            .map_err(|e| e.to_string())?;
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// The header row of the template, for CSV.
pub fn template_csv(sheet: Sheet) -> String {
    let header: Vec<&str> = sheet.columns().iter().map(|c| c.header).collect();
    format!("\u{feff}{}\n", header.join(","))
}

/// Where the sample's migrants come from.
const ORIGINS: [&str; 6] = [
    "湖北省恩施州",
    "贵州省遵义市",
    "湖南省湘西州",
    "四川省达州市",
    "重庆市彭水县",
    "重庆市酉阳县",
];

/// A sheet of `rows` plausible people with valid synthetic ID numbers of `region`, spread
/// over `grids` (a file to try the import with, and the import benchmark's input).
/// Rows are numbered from `first`, so files made with different `first` never share a person.
pub fn sample_xlsx(
    region: &str,
    grids: &[String],
    first: usize,
    rows: usize,
    seed: u64,
) -> Result<Vec<u8>, String> {
    use rand::{Rng, SeedableRng};
    if grids.is_empty() {
        return Err("no grids to place people in".into());
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let surnames = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
        "郭", "何", "罗", "冉", "田",
    ];
    let given = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
        "明", "超", "秀英", "华", "平",
    ];
    let kinds = [
        "户籍人口",
        "户籍人口",
        "户籍人口",
        "户籍人口",
        "流动人口",
        "留守人员",
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "证件类型",
        "证件号码",
        "姓名",
        "联系电话",
        "网格编码",
        "人口类型",
        "户籍地",
        "流入原因",
        "留守类型",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet
            .write_string(0, c as u16, *h)
            .map_err(|e| e.to_string())?;
    }
    let first_day = zhili_domain::time::days_from_civil(1940, 1, 1);
    let last_day = zhili_domain::time::days_from_civil(2020, 12, 31);
    for (row, r) in (first..first + rows).enumerate() {
        // Distinct numbers: the sequence digits and the birth day together never repeat.
        let day = first_day + (r as i64 * 7919) % (last_day - first_day);
        let number = zhili_domain::id_number::compose(
            region,
            day,
            (r / 29_220) as u32 * 7 + rng.gen_range(0..7),
        );
        let name = format!(
            "{}{}",
            surnames[rng.gen_range(0..surnames.len())],
            given[rng.gen_range(0..given.len())]
        );
        let phone = format!("13{:09}", rng.gen_range(0..1_000_000_000u64));
        let row = row as u32 + 1;
        let kind = kinds[rng.gen_range(0..kinds.len())];
        let (origin, reason, left) = match kind {
            "流动人口" => (
                ORIGINS[rng.gen_range(0..ORIGINS.len())],
                ["务工", "经商", "就学", "投亲"][rng.gen_range(0..4)],
                "",
            ),
            "留守人员" => ("", "", ["儿童", "老人", "妇女"][rng.gen_range(0..3)]),
            _ => ("", "", ""),
        };
        let cells = [
            "111",
            &number,
            &name,
            &phone,
            &grids[rng.gen_range(0..grids.len())],
            kind,
            origin,
            reason,
            left,
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(row, c as u16, *v)
                .map_err(|e| e.to_string())?;
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}
