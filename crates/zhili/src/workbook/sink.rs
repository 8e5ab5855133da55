//! The rows a sheet's reader finds, kept under the limits: the header, titles above it, the
//! data rows. Shared by the .xlsx and CSV readers.

use super::{column_name, refuse, Limits, Rows};
use zhili_domain::DomainError;

/// Collects rows under the limits; shared by the .xlsx and CSV readers.
pub struct RowSink {
    limits: Limits,
    text: usize,
    out: Rows,
    have_header: bool,
    /// Rows of one cell before any of several: a sheet's title, its unit and date — or, if
    /// no wider row follows, a sheet of one column.
    pending: Vec<(usize, Vec<String>)>,
}

/// Rows of a single cell taken as titles above the header, at most.
const MAX_TITLE_ROWS: usize = 5;

impl RowSink {
    pub fn new(limits: Limits) -> RowSink {
        RowSink {
            limits,
            text: 0,
            out: Rows::default(),
            have_header: false,
            pending: Vec::new(),
        }
    }

    /// Checks one cell before it is kept: its column within the header (or the column
    /// limit, for the header itself), its length, and the text budget.
    pub fn check_cell(&mut self, row: usize, column: usize, text: &str) -> Result<(), DomainError> {
        if text.is_empty() {
            return Ok(());
        }
        let width = if self.have_header {
            self.out.headers.len()
        } else {
            self.limits.columns
        };
        if column >= width {
            let name = column_name(column);
            return Err(if self.have_header {
                refuse(
                    format!("row {row}, column {name}: a value beyond the header's last column"),
                    format!("第{row}行{name}列：表头之外的列有内容"),
                )
            } else {
                refuse(
                    format!(
                        "row {row}, column {name}: at most {} columns",
                        self.limits.columns
                    ),
                    format!("第{row}行{name}列：最多{}列", self.limits.columns),
                )
            });
        }
        if zhili_domain::text::first_forbidden(text).is_some() {
            let name = column_name(column);
            return Err(refuse(
                format!("row {row}, column {name}: a control character or bidirectional override"),
                format!("第{row}行{name}列：含有控制字符或双向文本控制符"),
            ));
        }
        if text.len() > self.limits.cell_bytes {
            let name = column_name(column);
            return Err(refuse(
                format!(
                    "row {row}, column {name}: a cell of more than {} bytes",
                    self.limits.cell_bytes
                ),
                format!(
                    "第{row}行{name}列：单元格内容超过{}字节",
                    self.limits.cell_bytes
                ),
            ));
        }
        self.spend(text.len())
    }

    fn spend(&mut self, bytes: usize) -> Result<(), DomainError> {
        self.text += bytes;
        if self.text > self.limits.text_bytes {
            return Err(refuse(
                format!(
                    "more than {} MiB of text in the sheet",
                    self.limits.text_bytes >> 20
                ),
                format!("表格文字超过{} MiB", self.limits.text_bytes >> 20),
            ));
        }
        Ok(())
    }

    /// Keeps a finished row: the first one of several cells is the header (rows of one cell
    /// above it are titles), empty rows are skipped.
    pub fn push(&mut self, row: usize, cells: Vec<String>) -> Result<(), DomainError> {
        if cells.iter().all(|c| c.is_empty()) {
            return Ok(());
        }
        if !self.have_header {
            // Offices head a sheet with its title (often merged across the columns, which
            // leaves one cell): rows of one cell wait to see whether a wider one follows.
            let single = cells.iter().filter(|c| !c.is_empty()).count() == 1;
            if single && self.pending.len() < MAX_TITLE_ROWS {
                self.pending.push((row, cells));
                return Ok(());
            }
            if single {
                return self.one_column(Some((row, cells)));
            }
            // The titles are dropped; this row is the header.
            self.pending.clear();
            self.header(cells);
            return Ok(());
        }
        if self.out.rows.len() >= self.limits.rows {
            return Err(refuse(
                format!("at most {} rows in one file", self.limits.rows),
                format!("一个文件最多{}行", self.limits.rows),
            ));
        }
        let mut cells = cells;
        cells.truncate(self.out.headers.len());
        cells.shrink_to_fit();
        // A cell costs its String besides its text; a row its Vec and number.
        self.spend(cells.len() * std::mem::size_of::<String>() + 48)?;
        self.out.rows.push((row, cells));
        Ok(())
    }

    fn header(&mut self, mut headers: Vec<String>) {
        self.have_header = true;
        while headers.last().is_some_and(|h| h.is_empty()) {
            headers.pop();
        }
        self.out.headers = headers;
    }

    /// No row wider than one cell came first: a sheet of one column, its first row the header.
    fn one_column(&mut self, then: Option<(usize, Vec<String>)>) -> Result<(), DomainError> {
        let mut rows = std::mem::take(&mut self.pending).into_iter().chain(then);
        if let Some((_, first)) = rows.next() {
            self.header(first);
        }
        for (row, cells) in rows {
            self.push(row, cells)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Rows, DomainError> {
        if !self.have_header {
            self.one_column(None)?;
        }
        if !self.have_header {
            return Err(refuse("the sheet is empty", "表格是空的"));
        }
        Ok(self.out)
    }
}
