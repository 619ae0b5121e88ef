//! The small arithmetic of records: durations, ratios and rounding, kept in one place so the tests can check
//! it by hand.

use crate::time::Timestamp;

/// Seconds from `from` to `to`, with millisecond precision; `None` when either is missing or `to` is earlier
/// (clock skew makes a negative duration meaningless).
pub fn seconds_between(from: Option<Timestamp>, to: Option<Timestamp>) -> Option<f64> {
    let millis = (to? - from?).num_milliseconds();
    (millis >= 0).then(|| millis as f64 / 1000.0)
}

/// `numerator / denominator` rounded to 4 decimals; `None` unless both are known and the denominator positive.
pub fn ratio(numerator: Option<f64>, denominator: Option<f64>) -> Option<f64> {
    let (n, d) = (numerator?, denominator?);
    (d > 0.0 && n.is_finite()).then(|| round_to(n / d, 4))
}

/// Rounds dollars to 6 decimals (a millionth of a dollar).
pub fn usd(value: f64) -> f64 {
    round_to(value, 6)
}

/// Rounds to `decimals` places (half away from zero), so sums print without float noise.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp;

    fn t(text: &str) -> Option<Timestamp> {
        Some(parse_timestamp(text).unwrap())
    }

    #[test]
    fn durations() {
        assert_eq!(
            seconds_between(t("2024-10-20T05:00:00Z"), t("2024-10-20T05:01:30.250Z")),
            Some(90.25)
        );
        assert_eq!(seconds_between(None, t("2024-10-20T05:00:00Z")), None);
        assert_eq!(
            seconds_between(t("2024-10-20T05:00:01Z"), t("2024-10-20T05:00:00Z")),
            None
        );
    }

    #[test]
    fn ratios_round_and_refuse_zero() {
        assert_eq!(ratio(Some(1.5), Some(2.0)), Some(0.75));
        assert_eq!(ratio(Some(1.0), Some(3.0)), Some(0.3333));
        assert_eq!(ratio(Some(2.0), Some(3.0)), Some(0.6667));
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(2.0)), None);
        assert_eq!(round_to(0.123_456_5, 6), 0.123457);
    }
}
