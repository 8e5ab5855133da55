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
    let (kind, (width, height)) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
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
    Ok(ImageInfo {
        kind,
        width,
        height,
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

/// Walks the marker segments to the frame header; the scan must be followed by the end marker.
fn jpeg(b: &[u8]) -> Result<(u32, u32), DomainError> {
    let truncated = || bad("the JPEG is truncated or malformed");
    let mut at = 2;
    let mut size = None;
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
            0xD9 => return Err(bad("the JPEG ends before any image data")),
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
        if marker == 0xDA {
            let (width, height) = size.ok_or_else(|| bad("the JPEG has no frame header"))?;
            let data = &b[at + len..];
            if !data.windows(2).any(|w| w == [0xFF, 0xD9]) {
                return Err(bad("the JPEG is cut off (no end marker)"));
            }
            return Ok((width, height));
        }
        at += len;
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
fn png(b: &[u8]) -> Result<(u32, u32), DomainError> {
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
                    (Some(s), true) => Ok(s),
                    _ => Err(bad("the PNG has no image data")),
                };
            }
            _ => {}
        }
        at = end + 4;
    }
}

fn webp(b: &[u8]) -> Result<(u32, u32), DomainError> {
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
            Ok((w, h))
        }
        b"VP8L" => {
            if data.len() < 5 || data[0] != 0x2F {
                return Err(bad("the lossless WebP has no signature"));
            }
            let bits = u32::from_le_bytes([data[1], data[2], data[3], data[4]]);
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            if data.len() < 10 {
                return Err(truncated());
            }
            let w = u32::from_le_bytes([data[4], data[5], data[6], 0]) + 1;
            let h = u32::from_le_bytes([data[7], data[8], data[9], 0]) + 1;
            Ok((w, h))
        }
        _ => Err(bad("the WebP holds no image")),
    }
}

#[cfg(test)]
mod tests;
