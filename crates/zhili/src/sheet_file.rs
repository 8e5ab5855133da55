//! A sheet file in and out: an uploaded .xlsx or CSV read within fixed limits, and CSV
//! written so that opening it in Excel or WPS never runs what someone typed.

use crate::usecase::sheet_import::MAX_ROWS;
use zhili_domain::DomainError;

/// A file's first sheet as text cells, with the sheet row number of each data row.
pub type Table = crate::workbook::Rows;

/// What one imported file may hold, whatever it declares: the reader stops at the first
/// thing past these (the upload itself is at most 64 MiB).
pub const LIMITS: crate::workbook::Limits = crate::workbook::Limits {
    rows: MAX_ROWS,
    columns: 64,
    cell_bytes: 4096,
    // Text kept in memory, counting what each cell and row costs besides its text.
    text_bytes: 256 << 20,
    sheet_xml_bytes: 512 << 20,
    part_bytes: 128 << 20,
    entries: 1000,
};

fn file_error(message: impl Into<String>) -> DomainError {
    DomainError::invalid("file", message)
}

/// Reads .xlsx (by its ZIP signature) or CSV (UTF-8, or GB 18030 as Excel in China saves it),
/// within `LIMITS`.
pub fn read_table(bytes: &[u8]) -> Result<Table, DomainError> {
    if bytes.starts_with(b"PK\x03\x04") {
        crate::workbook::read_xlsx(bytes, &LIMITS)
    } else {
        read_csv(bytes)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, DomainError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(
                    file_error("neither UTF-8 nor GB 18030 text, nor an .xlsx workbook")
                        .zh("既不是UTF-8或GB 18030文本，也不是.xlsx工作簿"),
                );
            }
            t
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sink = crate::workbook::RowSink::new(LIMITS);
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        row += 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(file_error(format!("row {row}: {e}")).zh(format!("第{row}行无法读取")))
            }
        }
        let mut cells = Vec::with_capacity(record.len());
        for (column, cell) in record.iter().enumerate() {
            let cell = cell.trim();
            sink.check_cell(row, column, cell)?;
            cells.push(cell.to_string());
        }
        sink.push(row, cells)?;
    }
    sink.finish()
}

/// A cell as written to CSV: text that Excel or WPS would take for a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so opening an export
/// never runs what someone typed into a field; numbers stay numbers.
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.trim().parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes one row of cells through `csv_cell`.
pub fn write_csv_row<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = impl AsRef<str>>,
) -> csv::Result<()> {
    let cells: Vec<String> = cells
        .into_iter()
        .map(|c| csv_cell(c.as_ref()).into_owned())
        .collect();
    w.write_record(&cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_would_be_formulas_are_defused() {
        for (cell, out) in [
            (
                "=HYPERLINK(\"http://x\",\"点击\")",
                "'=HYPERLINK(\"http://x\",\"点击\")",
            ),
            ("+86 138", "'+86 138"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("张三", "张三"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), out);
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        write_csv_row(&mut w, ["=1+1", "ok"]).unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner().unwrap()).unwrap(),
            "'=1+1,ok\n"
        );
    }
}
