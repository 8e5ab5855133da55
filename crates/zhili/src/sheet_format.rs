//! The look of the sheets offices file (.xlsx): a title across the table, a line saying what it
//! covers, a bordered header, bordered cells — one look for every such sheet.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

pub struct Formats {
    pub title: Format,
    pub head: Format,
    pub cell: Format,
    /// A total's row.
    pub bold: Format,
    /// Two decimals.
    pub number: Format,
}

impl Formats {
    /// The formats, the title at `title_size` points.
    pub fn new(title_size: u32) -> Formats {
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(title_size)
                .set_align(FormatAlign::Center),
            head: Format::new()
                .set_bold()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            cell: Format::new().set_border(FormatBorder::Thin),
            bold: Format::new().set_bold().set_border(FormatBorder::Thin),
            number: Format::new()
                .set_border(FormatBorder::Thin)
                .set_num_format("0.00"),
        }
    }
}

/// The title (row 0) and what the table covers (row 1), each merged over the header's width,
/// then the header (row 2): the table's rows start at 3.
pub fn heading(
    sheet: &mut Worksheet,
    f: &Formats,
    title: &str,
    covers: &str,
    header: &[&str],
) -> Result<(), XlsxError> {
    let last = header.len().saturating_sub(1) as u16;
    sheet.merge_range(0, 0, 0, last, title, &f.title)?;
    sheet.merge_range(1, 0, 1, last, covers, &Format::new())?;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &f.head)?;
    }
    Ok(())
}

/// One cell of a table's row.
pub enum Cell<'a> {
    Text(&'a str),
    Whole(i64),
    /// Shown with two decimals.
    Decimal(f64),
}

/// A row of cells from column 0 in `format` (decimals with two places).
pub fn row(
    sheet: &mut Worksheet,
    format: &Format,
    r: u32,
    cells: &[Cell],
) -> Result<(), XlsxError> {
    let decimal = format.clone().set_num_format("0.00");
    for (c, cell) in cells.iter().enumerate() {
        let c = c as u16;
        match cell {
            Cell::Text(t) => sheet.write_string_with_format(r, c, *t, format)?,
            Cell::Whole(n) => sheet.write_number_with_format(r, c, *n as f64, format)?,
            Cell::Decimal(x) => sheet.write_number_with_format(r, c, *x, &decimal)?,
        };
    }
    Ok(())
}
