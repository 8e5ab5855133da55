//! Word documents (.docx, WordprocessingML) people sign and file, in the usual Chinese official
//! layout (GB/T 9704: A4, margins 37/35/28/26 mm, the title in 二号 小标宋, the body in 三号
//! 仿宋 with a first-line indent of two characters and a fixed 28.95 pt line). Written by hand
//! into a zip with fixed timestamps, so the same content always gives the same bytes (and the
//! same hash in the record). Word and WPS open it, and LibreOffice.

use std::io::Write;

/// A document under construction: its body as WordprocessingML.
#[derive(Default)]
pub struct Docx {
    body: String,
}

/// Text as XML character data.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 has no place for other control characters (the API refuses them anyway).
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A run of text; line breaks inside become `<w:br/>`.
fn run(text: &str, bold: bool, half_points: u32) -> String {
    let props = format!(
        "<w:rPr>{}<w:sz w:val=\"{half_points}\"/><w:szCs w:val=\"{half_points}\"/></w:rPr>",
        if bold { "<w:b/>" } else { "" }
    );
    text.split('\n')
        .enumerate()
        .map(|(i, line)| {
            format!(
                "<w:r>{props}{}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                if i > 0 { "<w:br/>" } else { "" },
                escape(line)
            )
        })
        .collect()
}

const BODY: u32 = 32; // 三号, 16 pt
const TITLE: u32 = 44; // 二号, 22 pt

impl Docx {
    pub fn new() -> Docx {
        Docx::default()
    }

    fn paragraph(&mut self, props: &str, runs: &str) {
        self.body
            .push_str(&format!("<w:p><w:pPr>{props}</w:pPr>{runs}</w:p>"));
    }

    /// The title: centred, 二号, in the title font.
    pub fn title(&mut self, text: &str) {
        let runs = format!(
            "<w:r><w:rPr><w:rFonts w:ascii=\"方正小标宋简体\" w:eastAsia=\"方正小标宋简体\" w:hAnsi=\"方正小标宋简体\"/><w:sz w:val=\"{TITLE}\"/><w:szCs w:val=\"{TITLE}\"/></w:rPr><w:t>{}</w:t></w:r>",
            escape(text)
        );
        self.paragraph(
            "<w:jc w:val=\"center\"/><w:spacing w:before=\"240\" w:after=\"360\" w:line=\"579\" w:lineRule=\"exact\"/>",
            &runs,
        );
    }

    /// A line on the right (a number, a date, a signature).
    pub fn right(&mut self, text: &str) {
        self.paragraph("<w:jc w:val=\"right\"/>", &run(text, false, BODY));
    }

    /// A body paragraph, indented two characters.
    pub fn para(&mut self, text: &str) {
        self.paragraph(
            "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>",
            &run(text, false, BODY),
        );
    }

    /// A heading in bold with its text after it on the same line.
    pub fn labelled(&mut self, label: &str, text: &str) {
        let runs = format!("{}{}", run(label, true, BODY), run(text, false, BODY));
        self.paragraph("", &runs);
    }

    /// A bold line (a section's heading).
    pub fn heading(&mut self, text: &str) {
        self.paragraph("", &run(text, true, BODY));
    }

    /// A line left as it is (no indent): a salutation, an addressee.
    pub fn plain(&mut self, text: &str) {
        self.paragraph("", &run(text, false, BODY));
    }

    pub fn blank(&mut self) {
        self.paragraph("", "");
    }

    /// A table with a bold header row, every cell bordered.
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let cell = |text: &str, bold: bool| {
            format!(
                "<w:tc><w:p><w:pPr><w:spacing w:line=\"360\" w:lineRule=\"auto\"/></w:pPr>{}</w:p></w:tc>",
                run(text, bold, 24)
            )
        };
        let border = "<w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/><w:bottom w:val=\"single\" w:sz=\"4\"/><w:right w:val=\"single\" w:sz=\"4\"/><w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" w:sz=\"4\"/>";
        let mut xml = format!(
            "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>{border}</w:tblBorders></w:tblPr><w:tr>"
        );
        for h in header {
            xml.push_str(&cell(h, true));
        }
        xml.push_str("</w:tr>");
        for r in rows {
            xml.push_str("<w:tr>");
            for c in r {
                xml.push_str(&cell(c, false));
            }
            xml.push_str("</w:tr>");
        }
        xml.push_str("</w:tbl>");
        self.body.push_str(&xml);
    }

    fn document_xml(&self) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{}<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
            self.body
        )
    }

    /// The .docx file's bytes: the same for the same content.
    pub fn to_bytes(&self) -> Vec<u8> {
        let parts: [(&str, String); 5] = [
            ("[Content_Types].xml", CONTENT_TYPES.into()),
            ("_rels/.rels", RELS.into()),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS.into()),
            ("word/styles.xml", STYLES.into()),
            ("word/document.xml", self.document_xml()),
        ];
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, text) in parts {
            // Writing into memory does not fail but for a bug; the bytes say so if it does.
            if zip.start_file(name, options).is_err() || zip.write_all(text.as_bytes()).is_err() {
                return Vec::new();
            }
        }
        zip.finish().map(|c| c.into_inner()).unwrap_or_default()
    }
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/></Types>";

const RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>";

/// The body font (仿宋_GB2312, as official documents are set) and a fixed 28.95 pt line.
const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"仿宋_GB2312\" w:eastAsia=\"仿宋_GB2312\" w:hAnsi=\"仿宋_GB2312\" w:cs=\"仿宋_GB2312\"/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line=\"579\" w:lineRule=\"exact\"/><w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style></w:styles>";

/// The text of a .docx's body, paragraph by paragraph (for tests and checks).
pub fn text_of(bytes: &[u8]) -> Result<String, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| e.to_string())?
        .take(8 << 20)
        .read_to_string(&mut xml)
        .map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            quick_xml::events::Event::Text(t) => {
                out.push_str(&t.decode().map_err(|e| e.to_string())?)
            }
            quick_xml::events::Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                out.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    _ => "",
                })
            }
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"w:p" => out.push('\n'),
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"w:br" => out.push('\n'),
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_back_and_is_the_same_bytes_every_time() {
        let mut d = Docx::new();
        d.title("人民调解协议书");
        d.right("编号：黔调〔2026〕000001号");
        d.labelled("当事人：", "张三 <甲方> & \"乙方\"");
        d.para("第一行\n第二行");
        d.table(
            &["姓名", "电话"],
            &[vec!["李四".into(), "138****0000".into()]],
        );
        let bytes = d.to_bytes();
        assert_eq!(bytes, d.to_bytes(), "deterministic");
        let text = text_of(&bytes).unwrap();
        assert!(text.contains("人民调解协议书\n"), "{text}");
        assert!(text.contains("张三 <甲方> & \"乙方\""), "{text}");
        assert!(text.contains("第一行\n第二行"), "{text}");
        assert!(text.contains("李四"), "{text}");
        // Every part is well-formed XML.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        for i in 0..zip.len() {
            use std::io::Read;
            let mut part = String::new();
            zip.by_index(i).unwrap().read_to_string(&mut part).unwrap();
            let mut r = quick_xml::Reader::from_str(&part);
            loop {
                match r.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("part {i}: {e}"),
                }
            }
        }
    }
}
