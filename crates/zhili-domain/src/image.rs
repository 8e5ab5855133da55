//! What an uploaded photo really is, judged by its bytes and never by its name or declared
//! type: JPEG, PNG or WebP with a sound structure and sane dimensions, or refused.

use crate::error::{DomainError, ErrorCode};

/// Largest photo accepted (phones take 3–8 MB photos).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest side and area: a small file claiming a huge canvas is a decompression bomb.
pub const MAX_SIDE: u32 = 20_000;
pub const MAX_PIXELS: u64 = 100_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

impl ImageKind {
    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
    /// Bytes of the image itself, up to its end marker: whatever follows (a phone's motion
    /// video, or a payload someone appended) is not part of the photo and is not kept.
    pub len: usize,
}

fn bad(message: impl Into<String>) -> DomainError {
    DomainError::new(ErrorCode::InvalidImage, message)
}

/// Checks a photo by content. Not an image of an accepted kind: `unsupported_media_type`;
/// one that claims to be but is broken or absurd: `invalid_image`; too big: `payload_too_large`.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, DomainError> {
    if bytes.len() > MAX_BYTES {
        return Err(DomainError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "a photo may be at most {} MB; this one is {:.1} MB",
                MAX_BYTES / 1024 / 1024,
                bytes.len() as f64 / 1024.0 / 1024.0
            ),
        ));
    }
    let (kind, (width, height, len)) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (ImageKind::Jpeg, jpeg(bytes)?)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (ImageKind::Png, png(bytes)?)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        (ImageKind::Webp, webp(bytes)?)
    } else {
        return Err(DomainError::new(
            ErrorCode::UnsupportedMediaType,
            "photos must be JPEG, PNG or WebP images; this file is none of them",
        ));
    };
    if width == 0 || height == 0 {
        return Err(bad("the image has no pixels"));
    }
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(bad(format!(
            "the image claims {width} × {height} pixels; at most {MAX_SIDE} a side and 100 megapixels"
        )));
    }
    if kind == ImageKind::Png {
        png_pixels(bytes, width, height)?;
    }
    Ok(ImageInfo {
        kind,
        width,
        height,
        len,
    })
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as u32)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Walks every marker segment and every scan's entropy-coded data to the end marker: a
/// frame header before the first scan, the restart markers in order, nothing cut off.
/// Answers the size and where the image ends.
fn jpeg(b: &[u8]) -> Result<(u32, u32, usize), DomainError> {
    let truncated = || bad("the JPEG is truncated or malformed");
    let mut at = 2;
    let mut size = None;
    let mut scans = 0;
    loop {
        if b.get(at) != Some(&0xFF) {
            return Err(truncated());
        }
        while b.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *b.get(at).ok_or_else(truncated)?;
        at += 1;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 if scans == 0 => return Err(bad("the JPEG ends before any image data")),
            0xD9 => {
                let (width, height) = size.ok_or_else(truncated)?;
                return Ok((width, height, at));
            }
            _ => {}
        }
        let len = be16(b, at).ok_or_else(truncated)? as usize;
        if len < 2 || at + len > b.len() {
            return Err(truncated());
        }
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            if len < 8 {
                return Err(truncated());
            }
            let height = be16(b, at + 3).ok_or_else(truncated)?;
            let width = be16(b, at + 4 + 1).ok_or_else(truncated)?;
            size = Some((width, height));
        }
        at += len;
        if marker == 0xDA {
            if size.is_none() {
                return Err(bad("the JPEG has no frame header"));
            }
            scans += 1;
            at = entropy_end(b, at)
                .ok_or_else(|| bad("the JPEG is cut off inside its image data"))?;
        }
    }
}

/// Where a scan's entropy-coded data ends: at the first marker that is not a stuffed zero
/// or a restart marker (those must come in order, RST0 to RST7 and round again).
fn entropy_end(b: &[u8], mut at: usize) -> Option<usize> {
    let mut next_restart = 0xD0u8;
    loop {
        let ff = at + b.get(at..)?.iter().position(|&x| x == 0xFF)?;
        let mut m = ff + 1;
        while b.get(m) == Some(&0xFF) {
            m += 1;
        }
        match *b.get(m)? {
            0x00 => at = m + 1,
            r @ 0xD0..=0xD7 => {
                if r != next_restart {
                    return None;
                }
                next_restart = if r == 0xD7 { 0xD0 } else { r + 1 };
                at = m + 1;
            }
            _ => return Some(ff),
        }
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Every chunk in bounds with a correct checksum; IHDR first, image data, IEND last.
fn png(b: &[u8]) -> Result<(u32, u32, usize), DomainError> {
    let truncated = || bad("the PNG is truncated or malformed");
    let mut at = 8;
    let mut size = None;
    let mut has_data = false;
    loop {
        let len = be32(b, at).ok_or_else(truncated)? as usize;
        let kind = b.get(at + 4..at + 8).ok_or_else(truncated)?;
        let end = (at + 8).checked_add(len).ok_or_else(truncated)?;
        let stored = be32(b, end).ok_or_else(truncated)?;
        if crc32(&b[at + 4..end]) != stored {
            return Err(bad("a PNG chunk fails its checksum"));
        }
        match kind {
            b"IHDR" if size.is_none() && len == 13 => {
                size = Some((be32(b, at + 8).unwrap_or(0), be32(b, at + 12).unwrap_or(0)));
            }
            _ if size.is_none() => return Err(bad("the PNG does not start with its header")),
            b"IDAT" => has_data = true,
            b"IEND" => {
                return match (size, has_data) {
                    (Some((w, h)), true) => Ok((w, h, end + 4)),
                    _ => Err(bad("the PNG has no image data")),
                };
            }
            _ => {}
        }
        at = end + 4;
    }
}

/// The image data inflates to exactly the rows the header declares (after the size checks,
/// so the work is bounded by the largest canvas accepted).
fn png_pixels(b: &[u8], width: u32, height: u32) -> Result<(), DomainError> {
    let mismatch = || bad("the PNG's image data does not match its declared size");
    let ihdr = b.get(16..29).ok_or_else(mismatch)?;
    let (depth, colour, interlace) = (ihdr[8] as u64, ihdr[9], ihdr[12]);
    let channels = match colour {
        0 | 3 => 1,
        2 => 3,
        4 => 2,
        6 => 4,
        _ => return Err(bad("the PNG has an unknown colour type")),
    };
    if !matches!(depth, 1 | 2 | 4 | 8 | 16) || interlace > 1 {
        return Err(bad("the PNG has an unknown bit depth or interlace"));
    }
    let bits = depth * channels;
    let rows = |w: u64, h: u64| {
        if w == 0 || h == 0 {
            0
        } else {
            h * (1 + (w * bits).div_ceil(8))
        }
    };
    let (w, h) = (width as u64, height as u64);
    let expected = if interlace == 0 {
        rows(w, h)
    } else {
        // Adam7: seven passes, each a smaller image of its own.
        [
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ]
        .iter()
        .map(|&(x0, y0, dx, dy)| {
            rows(
                (w + dx - 1 - x0).checked_div(dx).unwrap_or(0),
                (h + dy - 1 - y0).checked_div(dy).unwrap_or(0),
            )
        })
        .sum()
    };
    // The IDAT chunks, in order, are one zlib stream.
    let mut stream = Vec::new();
    let mut at = 8;
    while let (Some(len), Some(kind)) = (be32(b, at), b.get(at + 4..at + 8)) {
        let len = len as usize;
        if kind == b"IDAT" {
            stream.extend_from_slice(b.get(at + 8..at + 8 + len).ok_or_else(mismatch)?);
        }
        if kind == b"IEND" {
            break;
        }
        at += 12 + len;
    }
    let mut inflate = flate2::Decompress::new(true);
    let mut sink = vec![0u8; 64 * 1024];
    let mut input = stream.as_slice();
    loop {
        let before_in = inflate.total_in();
        let before_out = inflate.total_out();
        let status = inflate
            .decompress(input, &mut sink, flate2::FlushDecompress::None)
            .map_err(|_| bad("the PNG's image data is not a valid compressed stream"))?;
        input = &input[(inflate.total_in() - before_in) as usize..];
        if inflate.total_out() > expected {
            return Err(mismatch());
        }
        match status {
            flate2::Status::StreamEnd => break,
            _ if inflate.total_in() == before_in && inflate.total_out() == before_out => {
                return Err(mismatch());
            }
            _ => {}
        }
    }
    if inflate.total_out() != expected {
        return Err(mismatch());
    }
    Ok(())
}

fn webp(b: &[u8]) -> Result<(u32, u32, usize), DomainError> {
    let truncated = || bad("the WebP is truncated or malformed");
    let riff = le32(b, 4).ok_or_else(truncated)? as usize;
    if riff.checked_add(8).is_none_or(|n| n > b.len()) || riff < 4 + 8 {
        return Err(truncated());
    }
    let chunk = b.get(12..16).ok_or_else(truncated)?;
    let len = le32(b, 16).ok_or_else(truncated)? as usize;
    let data = b.get(20..20 + len).ok_or_else(truncated)?;
    match chunk {
        b"VP8 " => {
            if data.len() < 10 || data[3..6] != [0x9D, 0x01, 0x2A] {
                return Err(bad("the WebP frame has no start code"));
            }
            let w = u16::from_le_bytes([data[6], data[7]]) as u32 & 0x3FFF;
            let h = u16::from_le_bytes([data[8], data[9]]) as u32 & 0x3FFF;
            Ok((w, h, riff + 8))
        }
        b"VP8L" => {
            if data.len() < 5 || data[0] != 0x2F {
                return Err(bad("the lossless WebP has no signature"));
            }
            let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, riff + 8))
        }
        b"VP8X" => {
            if data.len() < 10 {
                return Err(truncated());
            }
            let w = u32::from_le_bytes([data[4], data[5], data[6], 0]) + 1;
            let h = u32::from_le_bytes([data[7], data[8], data[9], 0]) + 1;
            Ok((w, h, riff + 8))
        }
        _ => Err(bad("the WebP holds no image")),
    }
}

#[cfg(test)]
mod tests;
