//! The first sheet of an .xlsx workbook as rows of text, read within fixed bounds.
//!
//! An uploaded workbook is hostile until read: a few kilobytes of ZIP can declare a sheet
//! of 17 billion cells or unpack to gigabytes. So nothing here is sized by what the file
//! declares: the archive's entry count and each part's declared size are checked before
//! anything is unpacked, each part is unpacked through a counter that stops at its limit
//! (whatever it declared), the sheet is parsed as a stream of cells, and only the rows
//! and cells within the limits are kept. Numbers formatted as dates read as YYYY-MM-DD.

use std::io::{BufRead, BufReader, Cursor, Read};
use zhili_domain::DomainError;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// What one file may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Data rows (not counting the header row).
    pub rows: usize,
    /// Columns of the header row; no cell may lie beyond them.
    pub columns: usize,
    /// Bytes of one cell's text.
    pub cell_bytes: usize,
    /// Bytes of all the text kept, counting what each cell and row costs besides its text.
    pub text_bytes: usize,
    /// Bytes of the sheet's XML once unpacked.
    pub sheet_xml_bytes: u64,
    /// Bytes of any other part (shared strings, styles, workbook) once unpacked.
    pub part_bytes: u64,
    /// Entries in the archive.
    pub entries: usize,
}

/// A sheet's header and its non-empty data rows, each with its row number in the sheet.
#[derive(Debug, Default, PartialEq)]
pub struct Rows {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

fn refuse(message: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid("file", message).zh(zh)
}

/// A, B, … Z, AA, … for a zero-based column.
pub fn column_name(mut column: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// The zero-based column and one-based row of a reference such as `AB12`.
fn cell_ref(r: &[u8]) -> Option<(usize, usize)> {
    let letters = r.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if letters == 0 || letters > 3 || letters == r.len() {
        return None;
    }
    let mut column = 0usize;
    for &b in &r[..letters] {
        column = column * 26 + (b - b'A' + 1) as usize;
    }
    let row = std::str::from_utf8(&r[letters..]).ok()?.parse().ok()?;
    Some((column - 1, row))
}

/// The entries an archive declares in its end-of-central-directory record, read before
/// the archive's directory is loaded (which allocates per entry).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    let tail = bytes.len().saturating_sub(22 + 65_535);
    let at = bytes[tail..]
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .map(|i| tail + i)?;
    let n = bytes.get(at + 10..at + 12)?;
    Some(u16::from_le_bytes([n[0], n[1]]) as usize)
}

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;
/// A part being unpacked, within its limit.
type Part<'a, 'b> = BufReader<Bounded<zip::read::ZipFile<'a, Cursor<&'b [u8]>>>>;

/// One part of the archive, unpacked: refused if it declares more than `limit` bytes, and
/// cut off (and refused) if it unpacks to more whatever it declared.
fn part_reader<'a, 'b>(
    zip: &'a mut Archive<'b>,
    name: &str,
    limit: u64,
) -> Result<Option<Part<'a, 'b>>, DomainError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => {
            return Err(refuse(
                format!("{name} cannot be read: {e}"),
                format!("无法读取{name}"),
            ))
        }
    };
    if file.size() > limit {
        return Err(too_big(name, limit));
    }
    Ok(Some(BufReader::new(Bounded {
        inner: file,
        left: limit,
        name: name.to_string(),
    })))
}

fn too_big(name: &str, limit: u64) -> DomainError {
    refuse(
        format!("{name} unpacks to more than {} MiB", limit >> 20),
        format!("{name}解压后超过{} MiB", limit >> 20),
    )
}

/// Reads at most `left` bytes and fails past them, so a part that lied about its size is
/// refused rather than read to the end.
struct Bounded<R> {
    inner: R,
    left: u64,
    name: String,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more means the part is over its limit.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "{} is over its size limit",
                    self.name
                ))),
            };
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

fn xml<R: BufRead>(r: R) -> Reader<R> {
    let mut reader = Reader::from_reader(r);
    reader.config_mut().trim_text(false);
    reader
}

fn xml_error(part: &str, e: impl std::fmt::Display) -> DomainError {
    let text = e.to_string();
    if text.contains("over its size limit") {
        return refuse(
            format!("{part} unpacks to more than its limit"),
            format!("{part}解压后超过上限"),
        );
    }
    refuse(
        format!("{part} is not well-formed XML: {text}"),
        format!("{part}不是有效的XML"),
    )
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<Vec<u8>> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// Appends text or an entity to `out`, failing when it would pass `limit` bytes.
fn append(out: &mut String, event: &Event, limit: usize) -> Result<(), String> {
    match event {
        Event::Text(t) => out.push_str(&t.xml_content().map_err(|e| e.to_string())?),
        Event::CData(t) => out.push_str(&t.decode().map_err(|e| e.to_string())?),
        Event::GeneralRef(r) => {
            if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                out.push(c);
            } else {
                out.push(match r.as_ref() {
                    b"amp" => '&',
                    b"lt" => '<',
                    b"gt" => '>',
                    b"quot" => '"',
                    b"apos" => '\'',
                    other => {
                        return Err(format!(
                            "unknown entity &{};",
                            String::from_utf8_lossy(other)
                        ))
                    }
                });
            }
        }
        _ => {}
    }
    if out.len() > limit {
        return Err("cell text over its limit".into());
    }
    Ok(())
}

/// OOXML writes control characters as `_xHHHH_`; turn them back (and drop the ones that
/// are not text).
fn unescape_ooxml(s: String) -> String {
    if !s.contains("_x") {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find("_x") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let hex = tail
            .get(2..6)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        match (hex, tail.as_bytes().get(6)) {
            (Some(h), Some(b'_')) => {
                if let Some(c) = u32::from_str_radix(h, 16).ok().and_then(char::from_u32) {
                    if !c.is_control() || c == '\n' || c == '\t' {
                        out.push(c);
                    }
                }
                rest = &tail[7..];
            }
            _ => {
                out.push_str("_x");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Reads the text of an `<si>` or `<is>` element up to its end: its `<t>` runs, leaving
/// out phonetic guides (`<rPh>`).
fn rich_text<R: BufRead>(
    reader: &mut Reader<R>,
    end: &[u8],
    limit: usize,
    part: &str,
) -> Result<String, DomainError> {
    let mut buf = Vec::new();
    let mut out = String::new();
    let (mut in_t, mut in_phonetic) = (false, false);
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(part, e))?;
        match &event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_t = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_t = false,
                b"rPh" => in_phonetic = false,
                name if name == end => return Ok(unescape_ooxml(out)),
                _ => {}
            },
            Event::Eof => return Err(xml_error(part, "ends inside a string")),
            _ if in_t && !in_phonetic => append(&mut out, &event, limit).map_err(|e| {
                if e.contains("over its limit") {
                    refuse(
                        format!("{part}: a string of more than {limit} bytes"),
                        format!("{part}：字符串超过{limit}字节"),
                    )
                } else {
                    xml_error(part, e)
                }
            })?,
            _ => {}
        }
    }
}

/// The shared strings, within the part's limit: their count is bounded by its size.
fn shared_strings(zip: &mut Archive, limits: &Limits) -> Result<Vec<String>, DomainError> {
    let part = "xl/sharedStrings.xml";
    let Some(r) = part_reader(zip, part, limits.part_bytes)? else {
        return Ok(Vec::new());
    };
    let mut reader = xml(r);
    let mut strings = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(part, e))?
        {
            Event::Start(e) if e.local_name().as_ref() == b"si" => {
                strings.push(rich_text(&mut reader, b"si", limits.cell_bytes, part)?);
            }
            Event::Empty(e) if e.local_name().as_ref() == b"si" => strings.push(String::new()),
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

/// Built-in number formats that show a date (ECMA-376 18.8.30, and the CJK ones Excel and
/// WPS use in China).
fn builtin_date_format(id: u32) -> bool {
    matches!(id, 14..=17 | 22 | 27..=36 | 50..=58)
}

/// A custom format shows a date if it has y, m or d outside quotes and brackets (and is not
/// only a time, [h]:mm).
fn custom_date_format(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            'y' | 'Y' | 'd' | 'D' | 'e' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// For each cell style (`s`), whether its number format shows a date.
fn date_styles(zip: &mut Archive, limits: &Limits) -> Result<Vec<bool>, DomainError> {
    let part = "xl/styles.xml";
    let Some(r) = part_reader(zip, part, limits.part_bytes)? else {
        return Ok(Vec::new());
    };
    let mut reader = xml(r);
    let mut custom = std::collections::HashMap::new();
    let mut styles = Vec::new();
    let (mut in_xfs, mut buf) = (false, Vec::new());
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(part, e))?
        {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"numFmt" => {
                    let id = attr(&e, b"numFmtId")
                        .and_then(|v| std::str::from_utf8(&v).ok()?.parse::<u32>().ok());
                    let code =
                        attr(&e, b"formatCode").map(|v| String::from_utf8_lossy(&v).into_owned());
                    if let (Some(id), Some(code)) = (id, code) {
                        custom.insert(id, custom_date_format(&code));
                    }
                }
                b"cellXfs" => in_xfs = true,
                b"xf" if in_xfs => {
                    let id = attr(&e, b"numFmtId")
                        .and_then(|v| std::str::from_utf8(&v).ok()?.parse::<u32>().ok())
                        .unwrap_or(0);
                    styles.push(custom.get(&id).copied().unwrap_or(builtin_date_format(id)));
                    if styles.len() > 65_536 {
                        return Err(refuse(
                            "more than 65,536 cell styles",
                            "单元格样式超过65536种",
                        ));
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_xfs = false,
            Event::Eof => return Ok(styles),
            _ => {}
        }
    }
}

/// The path of the workbook's first sheet, from the workbook and its relationships.
fn first_sheet_path(zip: &mut Archive, limits: &Limits) -> Result<String, DomainError> {
    let fallback = "xl/worksheets/sheet1.xml".to_string();
    let part = "xl/workbook.xml";
    let Some(r) = part_reader(zip, part, limits.part_bytes)? else {
        return Ok(fallback);
    };
    let (mut reader, mut buf, mut rid) = (xml(r), Vec::new(), None);
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(part, e))?
        {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"sheet" => {
                rid = attr(&e, b"id");
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    drop(reader);
    let Some(rid) = rid else {
        return Err(refuse("the workbook has no sheet", "工作簿中没有工作表"));
    };
    let part = "xl/_rels/workbook.xml.rels";
    let Some(r) = part_reader(zip, part, limits.part_bytes)? else {
        return Ok(fallback);
    };
    let mut reader = xml(r);
    loop {
        buf.clear();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(part, e))?
        {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == b"Relationship"
                    && attr(&e, b"Id").as_deref() == Some(rid.as_slice()) =>
            {
                let target = attr(&e, b"Target").unwrap_or_default();
                let target = String::from_utf8_lossy(&target);
                return Ok(match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None => format!("xl/{target}"),
                });
            }
            Event::Eof => return Ok(fallback),
            _ => {}
        }
    }
}

/// Excel's day number (1900 date system, with its phantom 29 February 1900) as YYYY-MM-DD.
fn excel_date(serial: f64) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let serial = serial.floor() as i64;
    // Serial 25,569 is 1970-01-01; below 61 there is no phantom day to skip.
    let days = if serial >= 61 {
        serial - 25_569
    } else {
        serial - 25_568
    };
    Some(zhili_domain::calendar::date_string(days))
}

/// A number as a sheet shows it: a whole number without ".0"; one of sixteen digits or more
/// in Excel's scientific form (`5.00114199001011E+17`), as its cell shows it, because Excel and
/// WPS keep fifteen digits of a number and the rest are not there to read (an ID number typed
/// into a number cell is told so by its check, not given a wrong check character).
fn number_text(raw: &str) -> String {
    match raw.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Ok(f) if f.fract() == 0.0 && f.is_finite() => {
            let s = format!("{f:.14E}");
            let (mantissa, exp) = s.split_once('E').unwrap_or((&s, "0"));
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            let exp: i32 = exp.parse().unwrap_or(0);
            format!(
                "{mantissa}E{}{:02}",
                if exp < 0 { '-' } else { '+' },
                exp.abs()
            )
        }
        Ok(f) if f.is_finite() => f.to_string(),
        _ => raw.to_string(),
    }
}

/// Reads the first sheet of an .xlsx workbook under `limits`.
pub fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Rows, DomainError> {
    match declared_entries(bytes) {
        Some(n) if n <= limits.entries => {}
        Some(_) => {
            return Err(refuse(
                format!("an archive of more than {} parts", limits.entries),
                format!("压缩包内文件超过{}个", limits.entries),
            ))
        }
        None => {
            return Err(refuse(
                "not a readable .xlsx workbook",
                "不是可读取的.xlsx工作簿",
            ))
        }
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        refuse(
            format!("not a readable .xlsx workbook: {e}"),
            "不是可读取的.xlsx工作簿",
        )
    })?;
    let strings = shared_strings(&mut zip, limits)?;
    let dates = date_styles(&mut zip, limits)?;
    let path = first_sheet_path(&mut zip, limits)?;
    let Some(r) = part_reader(&mut zip, &path, limits.sheet_xml_bytes)? else {
        return Err(refuse("the workbook has no sheet", "工作簿中没有工作表"));
    };
    let part = path.as_str();
    let mut reader = xml(r);
    let mut sink = RowSink::new(*limits);
    let mut merges = merged::Merges::default();
    let mut buf = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let (mut row_no, mut last_row) = (0usize, 0usize);
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(part, e))?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"row" => {
                row_no = attr(&e, b"r")
                    .and_then(|v| std::str::from_utf8(&v).ok()?.parse().ok())
                    .unwrap_or(last_row + 1);
                if row_no <= last_row {
                    return Err(refuse(
                        format!("{part}: rows out of order at row {row_no}"),
                        format!("{part}：第{row_no}行顺序错乱"),
                    ));
                }
                last_row = row_no;
                cells.clear();
            }
            Event::End(e) if e.local_name().as_ref() == b"row" => {
                sink.push(row_no, std::mem::take(&mut cells))?;
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"mergeCell" => {
                merges.add(&attr(&e, b"ref").unwrap_or_default())?;
            }
            Event::Start(e) if e.local_name().as_ref() == b"c" => {
                let column = match attr(&e, b"r") {
                    Some(r) => match cell_ref(&r) {
                        Some((c, r)) if r == row_no => c,
                        _ => {
                            return Err(refuse(
                                format!(
                                    "{part}: a bad cell reference {:?} in row {row_no}",
                                    String::from_utf8_lossy(&r)
                                ),
                                format!("{part}：第{row_no}行的单元格引用无效"),
                            ))
                        }
                    },
                    None => cells.len(),
                };
                let kind = attr(&e, b"t").unwrap_or_default();
                let date = attr(&e, b"s")
                    .and_then(|v| std::str::from_utf8(&v).ok()?.parse::<usize>().ok())
                    .is_some_and(|s| dates.get(s).copied().unwrap_or(false));
                let text = cell_value(&mut reader, &kind, date, &strings, limits, part)?;
                sink.check_cell(row_no, column, &text)?;
                if !text.is_empty() {
                    if cells.len() <= column {
                        cells.resize(column + 1, String::new());
                    }
                    cells[column] = text;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut rows = sink.finish()?;
    merges.fill(&mut rows, limits)?;
    Ok(rows)
}

/// The text of a `<c>` element, read up to its end.
fn cell_value<R: BufRead>(
    reader: &mut Reader<R>,
    kind: &[u8],
    date: bool,
    strings: &[String],
    limits: &Limits,
    part: &str,
) -> Result<String, DomainError> {
    let mut buf = Vec::new();
    let mut value = String::new();
    let mut in_v = false;
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_error(part, e))?;
        match &event {
            Event::Start(e) if e.local_name().as_ref() == b"v" => in_v = true,
            Event::End(e) if e.local_name().as_ref() == b"v" => in_v = false,
            Event::Start(e) if e.local_name().as_ref() == b"is" => {
                value = rich_text(reader, b"is", limits.cell_bytes, part)?;
            }
            Event::End(e) if e.local_name().as_ref() == b"c" => break,
            Event::Eof => return Err(xml_error(part, "ends inside a cell")),
            _ if in_v => append(&mut value, &event, limits.cell_bytes).map_err(|e| {
                if e.contains("over its limit") {
                    refuse(
                        format!("{part}: a cell of more than {} bytes", limits.cell_bytes),
                        format!("{part}：单元格内容超过{}字节", limits.cell_bytes),
                    )
                } else {
                    xml_error(part, e)
                }
            })?,
            _ => {}
        }
    }
    let text = match kind {
        b"s" => {
            let i: usize = value.trim().parse().map_err(|_| {
                refuse(
                    format!("{part}: a shared-string cell without an index"),
                    format!("{part}：共享字符串单元格缺少索引"),
                )
            })?;
            strings.get(i).cloned().ok_or_else(|| {
                refuse(
                    format!("{part}: shared string {i} does not exist"),
                    format!("{part}：共享字符串{i}不存在"),
                )
            })?
        }
        b"b" => match value.trim() {
            "1" => "true".into(),
            "0" => "false".into(),
            other => other.into(),
        },
        b"str" | b"inlineStr" | b"e" | b"d" => value,
        _ if date => value
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(excel_date)
            .unwrap_or_else(|| number_text(value.trim())),
        _ => number_text(value.trim()),
    };
    Ok(text.trim().to_string())
}

mod merged;
mod sink;
pub use sink::RowSink;
#[cfg(test)]
mod tests;
