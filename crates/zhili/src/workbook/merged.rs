//! Merged cells as offices use them: a title merged across the top of the sheet (read as a
//! title, not as the header), and a value merged down several rows — one village's grid code
//! for all its households — which Excel keeps only in the range's first cell. The merges come
//! after the cells in the sheet's XML, so they are applied to the rows once read, within the
//! limits the rows were read under.

use super::{cell_ref, refuse, Limits, Rows};
use zhili_domain::DomainError;

/// The most merged ranges a sheet may declare.
const MAX_MERGES: usize = 10_000;

/// A merged range, zero-based columns and the sheet's own row numbers, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Merge {
    pub first_row: usize,
    pub last_row: usize,
    pub first_column: usize,
    pub last_column: usize,
}

/// The ranges of `<mergeCell ref="A3:A9"/>`, bounded in number.
#[derive(Default)]
pub(super) struct Merges(Vec<Merge>);

impl Merges {
    pub(super) fn add(&mut self, reference: &[u8]) -> Result<(), DomainError> {
        let Some((a, b)) = reference
            .iter()
            .position(|&c| c == b':')
            .map(|i| (&reference[..i], &reference[i + 1..]))
        else {
            return Ok(()); // one cell merged with itself: nothing to fill
        };
        let (Some((c1, r1)), Some((c2, r2))) = (cell_ref(a), cell_ref(b)) else {
            return Err(refuse(
                format!(
                    "a bad merged range {:?}",
                    String::from_utf8_lossy(reference)
                ),
                "合并单元格的范围无效",
            ));
        };
        if self.0.len() >= MAX_MERGES {
            return Err(refuse(
                format!("more than {MAX_MERGES} merged ranges"),
                format!("合并单元格超过{MAX_MERGES}处"),
            ));
        }
        self.0.push(Merge {
            first_row: r1.min(r2),
            last_row: r1.max(r2),
            first_column: c1.min(c2),
            last_column: c1.max(c2),
        });
        Ok(())
    }

    /// Gives every kept data cell inside a range that runs down several rows the value of
    /// the range's first cell (a range within one row — a title, a heading over several
    /// columns — is left as read). The copies count against the sheet's text budget.
    pub(super) fn fill(&self, rows: &mut Rows, limits: &Limits) -> Result<(), DomainError> {
        let width = rows.headers.len();
        let mut budget = limits.text_bytes;
        for m in self.0.iter().filter(|m| m.last_row > m.first_row) {
            let start = rows.rows.partition_point(|(n, _)| *n < m.first_row);
            let Some((n, first)) = rows.rows.get(start) else {
                continue;
            };
            if *n != m.first_row {
                continue; // the range starts on the header or an empty row
            }
            let values: Vec<(usize, String)> = (m.first_column
                ..=m.last_column.min(width.saturating_sub(1)))
                .filter_map(|c| {
                    first
                        .get(c)
                        .filter(|v| !v.is_empty())
                        .map(|v| (c, v.clone()))
                })
                .collect();
            if values.is_empty() {
                continue;
            }
            for (n, cells) in rows.rows[start + 1..].iter_mut() {
                if *n > m.last_row {
                    break;
                }
                for (c, v) in &values {
                    if cells.len() <= *c {
                        cells.resize(c + 1, String::new());
                    }
                    if cells[*c].is_empty() {
                        budget = budget.checked_sub(v.len()).ok_or_else(|| {
                            refuse(
                                "merged cells expand past the sheet's text limit",
                                "合并单元格展开后超过表格文字上限",
                            )
                        })?;
                        cells[*c] = v.clone();
                    }
                }
            }
        }
        Ok(())
    }
}
