use super::*;

const JPEG: &[u8] = include_bytes!("photo.jpg");
const PNG: &[u8] = include_bytes!("photo.png");
const WEBP: &[u8] = include_bytes!("photo.webp");
const WEBP_LOSSLESS: &[u8] = include_bytes!("lossless.webp");
const WEBP_EXTENDED: &[u8] = include_bytes!("alpha.webp");

fn code(r: Result<ImageInfo, DomainError>) -> &'static str {
    r.unwrap_err().code.as_str()
}

#[test]
fn real_photos_are_recognised_with_their_size() {
    let cases = [
        (JPEG, ImageKind::Jpeg, 64, 48),
        (PNG, ImageKind::Png, 64, 48),
        (WEBP, ImageKind::Webp, 64, 48),
        (WEBP_LOSSLESS, ImageKind::Webp, 64, 48),
        (WEBP_EXTENDED, ImageKind::Webp, 30, 20),
    ];
    for (bytes, kind, width, height) in cases {
        assert_eq!(
            inspect(bytes).unwrap(),
            ImageInfo {
                kind,
                width,
                height,
                len: bytes.len(),
            }
        );
    }
}

#[test]
fn what_follows_the_end_marker_is_not_part_of_the_photo() {
    for bytes in [JPEG, PNG, WEBP, WEBP_LOSSLESS] {
        let mut with_payload = bytes.to_vec();
        with_payload.extend_from_slice(b"<?php system($_GET['c']); ?>");
        assert_eq!(inspect(&with_payload).unwrap().len, bytes.len());
    }
}

#[test]
fn a_jpeg_whose_scans_do_not_hold_together_is_refused() {
    // The scan data is walked marker by marker, not searched for FF D9 anywhere.
    let sos = JPEG.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    // A restart marker out of order inside the scan.
    let mut b = JPEG[..sos + 20].to_vec();
    b.extend_from_slice(&[0x12, 0xFF, 0xD3, 0x34, 0xFF, 0xD9]);
    assert_eq!(code(inspect(&b)), "invalid_image");
    // A second scan cut off before the end marker.
    let mut b = JPEG[..JPEG.len() - 2].to_vec();
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0, 0x55]);
    assert_eq!(code(inspect(&b)), "invalid_image");
}

#[test]
fn a_png_whose_data_does_not_fill_its_canvas_is_refused() {
    // The same image data under a header claiming one more row (checksum recomputed).
    let mut b = PNG.to_vec();
    let height = u32::from_be_bytes(b[20..24].try_into().unwrap());
    b[20..24].copy_from_slice(&(height + 1).to_be_bytes());
    let crc = crc32(&b[12..29]);
    b[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(code(inspect(&b)), "invalid_image");
    let e = inspect(&b).unwrap_err();
    assert!(e.message.contains("does not match"), "{}", e.message);
}

#[test]
fn other_files_are_not_photos_whatever_they_are_called() {
    for fake in [
        &b"<html><script>alert(1)</script></html>"[..],
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7",
        b"",
        b"\xFF\xD8",
        b"MZ\x90\x00",
    ] {
        assert_eq!(code(inspect(fake)), "unsupported_media_type", "{fake:?}");
    }
}

#[test]
fn broken_or_cut_off_images_are_refused() {
    // Every truncation of a real photo is refused, never accepted and never a panic.
    for bytes in [JPEG, PNG, WEBP, WEBP_LOSSLESS, WEBP_EXTENDED] {
        for cut in 3..bytes.len() - 1 {
            if let Ok(info) = inspect(&bytes[..cut]) {
                // A WebP's RIFF length covers the whole file, so no prefix may pass.
                panic!("{info:?} accepted from {cut} of {} bytes", bytes.len());
            }
        }
    }
    // One flipped bit inside the PNG fails its checksum.
    let mut png = PNG.to_vec();
    png[40] ^= 0x10;
    assert_eq!(code(inspect(&png)), "invalid_image");
    // Garbage after a real header, in every position, never panics.
    let mut seed = 11u64;
    for bytes in [JPEG, PNG, WEBP] {
        for _ in 0..2000 {
            let mut b = bytes.to_vec();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = 2 + (seed >> 33) as usize % (b.len() - 2);
            b[at] = (seed >> 20) as u8;
            let _ = inspect(&b);
        }
    }
}

#[test]
fn huge_canvases_and_huge_files_are_refused() {
    // A PNG header claiming 30000 x 30000 pixels (a decompression bomb), checksum correct.
    let mut png = PNG.to_vec();
    png[16..20].copy_from_slice(&30_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&30_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(code(inspect(&png)), "invalid_image");
    let mut big = JPEG.to_vec();
    big.resize(MAX_BYTES + 1, 0);
    assert_eq!(code(inspect(&big)), "payload_too_large");
}
