use super::*;
use std::io::Write;

const LIMITS: Limits = Limits {
    rows: 1000,
    columns: 16,
    cell_bytes: 256,
    text_bytes: 1 << 20,
    sheet_xml_bytes: 1 << 20,
    part_bytes: 1 << 20,
    entries: 16,
};

/// A workbook made of the given parts, as a hostile sender would write it.
fn archive(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn sheet(rows: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
    .into_bytes()
}

fn problem(r: Result<Rows, DomainError>) -> String {
    let e = r.expect_err("the file is refused");
    assert_eq!(e.field.as_deref(), Some("file"));
    assert!(e.message_zh.is_some(), "{}", e.message);
    e.message
}

#[test]
fn a_workbook_from_excel_reads_as_text_rows() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let page = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    page.write(0, 0, "姓名").unwrap();
    page.write(0, 1, "数量").unwrap();
    page.write(0, 2, "来本地日期").unwrap();
    page.write(0, 3, "备注").unwrap();
    page.write(1, 0, "张三").unwrap();
    page.write(1, 1, 42.0).unwrap();
    page.write_number_with_format(1, 2, 45658.0, &date).unwrap();
    page.write(1, 3, "a < b & c").unwrap();
    // Row 3 left empty; row 4 has a decimal, a flag and a formula's cached text.
    page.write(3, 0, "李四").unwrap();
    page.write(3, 1, 1.5).unwrap();
    page.write(3, 3, true).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let rows = read_xlsx(&bytes, &LIMITS).unwrap();
    assert_eq!(rows.headers, ["姓名", "数量", "来本地日期", "备注"]);
    assert_eq!(
        rows.rows,
        vec![
            (
                2,
                vec![
                    "张三".into(),
                    "42".into(),
                    "2025-01-01".into(),
                    "a < b & c".into()
                ]
            ),
            (
                4,
                vec!["李四".into(), "1.5".into(), String::new(), "true".into()]
            ),
        ]
    );
}

#[test]
fn the_corner_cell_of_a_whole_sheet_is_refused_without_building_the_sheet() {
    // The probe's 5 KB file: A1 and XFD1048576, and a dimension claiming the whole sheet.
    let body = r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#;
    let bytes = archive(&[("xl/worksheets/sheet1.xml", body.as_bytes())]);
    let message = problem(read_xlsx(&bytes, &LIMITS));
    assert!(message.contains("row 1048576, column XFD"), "{message}");
    // A header as wide as the sheet is refused by the column limit.
    let body = r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="XFD1" t="inlineStr"><is><t>b</t></is></c></row></sheetData></worksheet>"#;
    let bytes = archive(&[("xl/worksheets/sheet1.xml", body.as_bytes())]);
    assert!(problem(read_xlsx(&bytes, &LIMITS)).contains("at most 16 columns"));
}

#[test]
fn rows_cells_and_text_are_bounded() {
    let many: String = (1..=1002)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#))
        .collect();
    let bytes = archive(&[("xl/worksheets/sheet1.xml", &sheet(&many))]);
    assert!(problem(read_xlsx(&bytes, &LIMITS)).contains("at most 1000 rows"));

    let long = "长".repeat(100);
    let rows = format!(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>{long}</t></is></c></row>"#
    );
    let bytes = archive(&[("xl/worksheets/sheet1.xml", &sheet(&rows))]);
    assert!(problem(read_xlsx(&bytes, &LIMITS)).contains("more than 256 bytes"));

    let text = Limits {
        text_bytes: 2_000,
        ..LIMITS
    };
    let rows: String = (1..=100)
        .map(|r| {
            format!(
                r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{}</t></is></c></row>"#,
                "x".repeat(50)
            )
        })
        .collect();
    let bytes = archive(&[("xl/worksheets/sheet1.xml", &sheet(&rows))]);
    assert!(problem(read_xlsx(&bytes, &text)).contains("MiB of text"));
}

#[test]
fn parts_that_unpack_past_their_limit_are_refused() {
    // 4 MiB of whitespace inside the sheet compresses to a few kilobytes.
    let padding = " ".repeat(4 << 20);
    let body = sheet(&format!(
        r#"<row r="1"><c r="A1"><v>1</v></c></row>{padding}"#
    ));
    let bytes = archive(&[("xl/worksheets/sheet1.xml", &body)]);
    assert!(bytes.len() < 64 * 1024);
    assert!(problem(read_xlsx(&bytes, &LIMITS)).contains("unpacks to more than"));

    // Shared strings likewise.
    let strings = format!("<sst>{}</sst>", "<si><t>x</t></si>".repeat(100_000));
    let bytes = archive(&[
        ("xl/sharedStrings.xml", strings.as_bytes()),
        ("xl/worksheets/sheet1.xml", &sheet("")),
    ]);
    assert!(problem(read_xlsx(&bytes, &LIMITS)).contains("sharedStrings.xml unpacks to more"));
}

#[test]
fn a_part_that_understates_its_size_is_cut_off_at_the_limit() {
    let padding = " ".repeat(3 << 20);
    let body = sheet(&format!(
        r#"<row r="1"><c r="A1"><v>1</v></c></row>{padding}"#
    ));
    let mut bytes = archive(&[("xl/worksheets/sheet1.xml", &body)]);
    // Rewrite the uncompressed size in the central directory to claim 1 KiB.
    let cd = bytes
        .windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .expect("a central directory entry");
    bytes[cd + 24..cd + 28].copy_from_slice(&1024u32.to_le_bytes());
    let message = problem(read_xlsx(&bytes, &LIMITS));
    assert!(
        message.contains("unpacks to more than its limit"),
        "{message}"
    );
}

#[test]
fn archives_of_too_many_parts_or_not_archives_are_refused() {
    let names: Vec<String> = (0..20).map(|i| format!("x/{i}.xml")).collect();
    let parts: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"<a/>"[..])).collect();
    let bytes = archive(&parts);
    assert!(problem(read_xlsx(&bytes, &LIMITS)).contains("more than 16 parts"));
    assert!(problem(read_xlsx(b"PK\x03\x04 not really", &LIMITS)).contains("not a readable"));
}

#[test]
fn shared_strings_rich_text_and_escapes() {
    let strings = r#"<sst><si><t>序号</t></si><si><r><t>王</t></r><r><t xml:space="preserve">五 </t></r><rPh><t>ワン</t></rPh></si><si><t>a_x000D_b&amp;c&#x4E2D;</t></si><si/></sst>"#;
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c></row><row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="s"><v>9</v></c></row>"#;
    let bytes = archive(&[
        ("xl/sharedStrings.xml", strings.as_bytes()),
        ("xl/worksheets/sheet1.xml", &sheet(rows)),
    ]);
    let message = problem(read_xlsx(&bytes, &LIMITS));
    assert!(
        message.contains("shared string 9 does not exist"),
        "{message}"
    );
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c></row>"#;
    let bytes = archive(&[
        ("xl/sharedStrings.xml", strings.as_bytes()),
        ("xl/worksheets/sheet1.xml", &sheet(rows)),
    ]);
    let read = read_xlsx(&bytes, &LIMITS).unwrap();
    assert_eq!(read.rows, vec![(2, vec!["王五".into(), "ab&c中".into()])]);
}

#[test]
fn the_first_sheet_is_found_through_the_workbook() {
    let workbook = r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="人员" sheetId="1" r:id="rId7"/><sheet name="说明" sheetId="2" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/><Relationship Id="rId7" Target="/xl/worksheets/people.xml"/></Relationships>"#;
    let bytes = archive(&[
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        (
            "xl/worksheets/sheet1.xml",
            &sheet(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>wrong</t></is></c></row>"#),
        ),
        (
            "xl/worksheets/people.xml",
            &sheet(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>right</t></is></c></row>"#),
        ),
    ]);
    assert_eq!(read_xlsx(&bytes, &LIMITS).unwrap().headers, ["right"]);
}

#[test]
fn malformed_sheets_are_refused_not_panicked_on() {
    for body in [
        r#"<worksheet><sheetData><row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#,
        r#"<worksheet><sheetData><row r="1"><c r="1A"><v>1</v></c></row></sheetData></worksheet>"#,
        r#"<worksheet><sheetData><row r="1"><c r="A2"><v>1</v></c></row></sheetData></worksheet>"#,
        r#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>x</v></c></row></sheetData></worksheet>"#,
        r#"<worksheet><sheetData><row r="1"><c r="A1"><v>&bogus;</v></c></row></sheetData></worksheet>"#,
        r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1"#,
        r#"<worksheet><sheetData></sheetData></worksheet>"#,
    ] {
        let bytes = archive(&[("xl/worksheets/sheet1.xml", body.as_bytes())]);
        problem(read_xlsx(&bytes, &LIMITS));
    }
}

#[test]
fn columns_dates_and_numbers() {
    assert_eq!(column_name(0), "A");
    assert_eq!(column_name(25), "Z");
    assert_eq!(column_name(26), "AA");
    assert_eq!(column_name(16_383), "XFD");
    assert_eq!(cell_ref(b"XFD1048576"), Some((16_383, 1_048_576)));
    assert_eq!(cell_ref(b"A"), None);
    assert_eq!(cell_ref(b"AAAA1"), None);
    assert_eq!(excel_date(45_658.0).as_deref(), Some("2025-01-01"));
    assert_eq!(excel_date(1.0).as_deref(), Some("1900-01-01"));
    assert_eq!(excel_date(61.0).as_deref(), Some("1900-03-01"));
    assert_eq!(excel_date(-3.0), None);
    assert!(custom_date_format("yyyy/m/d"));
    assert!(custom_date_format("yyyy\"年\"m\"月\"d\"日\""));
    assert!(!custom_date_format("0.00"));
    assert!(!custom_date_format("\"day\"0"));
    assert!(!custom_date_format("[h]:mm"));
    // An ID number stored as a number has lost its last digits: it reads as its cell shows
    // it, which the ID check explains.
    assert_eq!(number_text("5.001E+17"), "5.001E+17");
    assert_eq!(number_text("500114199001011234"), "5.00114199001011E+17");
    assert_eq!(number_text("1E+15"), "1E+15");
    assert_eq!(number_text("999999999999999"), "999999999999999");
    assert_eq!(number_text("13800138000"), "13800138000");
    assert_eq!(number_text("12"), "12");
    assert_eq!(number_text("2.5"), "2.5");
}

#[test]
fn a_title_above_the_header_and_values_merged_down_rows_read_as_an_office_means_them() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let page = book.add_worksheet();
    let plain = rust_xlsxwriter::Format::new();
    page.merge_range(0, 0, 0, 3, "钱江区城东街道人口登记表", &plain)
        .unwrap();
    page.write(1, 0, "填报单位：文汇社区").unwrap();
    for (c, h) in ["姓名", "证件号码", "联系电话", "网格编码"]
        .iter()
        .enumerate()
    {
        page.write(2, c as u16, *h).unwrap();
    }
    for (r, name) in ["张三", "李四", "王五"].iter().enumerate() {
        page.write(3 + r as u32, 0, *name).unwrap();
    }
    // One grid for the three households, merged down the column.
    page.merge_range(3, 3, 5, 3, "500114001001001", &plain)
        .unwrap();
    let rows = read_xlsx(&book.save_to_buffer().unwrap(), &LIMITS).unwrap();
    assert_eq!(rows.headers, ["姓名", "证件号码", "联系电话", "网格编码"]);
    let grids: Vec<(usize, &str, &str)> = rows
        .rows
        .iter()
        .map(|(n, c)| (*n, c[0].as_str(), c.get(3).map_or("", String::as_str)))
        .collect();
    assert_eq!(
        grids,
        [
            (4, "张三", "500114001001001"),
            (5, "李四", "500114001001001"),
            (6, "王五", "500114001001001")
        ]
    );
}

#[test]
fn merged_ranges_are_bounded_and_checked() {
    let rows = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>"#;
    let with = |merges: &str| {
        let xml = String::from_utf8(sheet(rows)).unwrap().replace(
            "</sheetData>",
            &format!("</sheetData><mergeCells>{merges}</mergeCells>"),
        );
        archive(&[("xl/worksheets/sheet1.xml", xml.as_bytes())])
    };
    assert!(
        problem(read_xlsx(&with(r#"<mergeCell ref="A1:?"/>"#), &LIMITS)).contains("merged range")
    );
    let many = r#"<mergeCell ref="A2:A3"/>"#.repeat(10_001);
    assert!(problem(read_xlsx(&with(&many), &LIMITS)).contains("merged ranges"));
    // A range down the whole sheet fills only the rows there are.
    let whole = read_xlsx(&with(r#"<mergeCell ref="A2:XFD1048576"/>"#), &LIMITS).unwrap();
    assert_eq!(whole.rows, vec![(2, vec!["x".to_string()])]);
}
