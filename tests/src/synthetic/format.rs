//! Random identifiers and the number and time formats of the API: hex digests, version-4 UUIDs, ISO-8601
//! timestamps with milliseconds, seconds as JSON numbers.

/// Seconds with millisecond precision, as a JSON number.
pub(super) fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// `value` rounded to `decimals` decimal places.
pub(super) fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

fn hex(rng: &mut fastrand::Rng, out: &mut String, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..digits {
        out.push(HEX[rng.usize(..16)] as char);
    }
}

/// 64 random hex digits, shaped like a SHA-256 digest.
pub(super) fn sha256_hex(rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(64);
    hex(rng, &mut out, 64);
    out
}

/// A random version-4 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
pub fn uuid_v4(rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(36);
    hex(rng, &mut out, 8);
    out.push('-');
    hex(rng, &mut out, 4);
    out.push_str("-4");
    hex(rng, &mut out, 3);
    out.push('-');
    out.push(['8', '9', 'a', 'b'][rng.usize(..4)]);
    hex(rng, &mut out, 3);
    out.push('-');
    hex(rng, &mut out, 12);
    out
}

/// Whether `value` looks like a version-4 UUID.
pub fn is_uuid_v4(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            14 => b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// Formats milliseconds since the Unix epoch like the API: `2024-10-20T05:43:35.516Z`.
pub fn iso_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Civil from days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}
