//! ISO-8601 timestamps as HealthOmics writes them, and as real manifests write them.
//!
//! Output is always UTC with millisecond precision (`2024-10-20T05:43:35.516Z`), like the API. Input is lenient:
//! manifests carry timestamps with and without fractional seconds, with microseconds, with an offset, and without
//! any zone at all (read as UTC).

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A point in time, always UTC.
pub type Timestamp = DateTime<Utc>;

/// Parses the timestamp shapes seen in the API and in real manifests.
pub fn parse_timestamp(value: &str) -> Result<Timestamp, String> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    // No zone at all: HealthOmics means UTC.
    NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|naive| naive.and_utc())
        .map_err(|_| format!("not an ISO-8601 timestamp: {:?}", truncate(value, 40)))
}

/// Formats like the HealthOmics API: UTC, milliseconds, `Z`.
pub fn format_timestamp(value: &Timestamp) -> String {
    value.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Converts an SDK timestamp.
pub fn from_smithy(value: &aws_smithy_types::DateTime) -> Option<Timestamp> {
    DateTime::from_timestamp(value.secs(), value.subsec_nanos())
}

fn truncate(value: &str, max: usize) -> &str {
    match value.char_indices().nth(max) {
        Some((index, _)) => &value[..index],
        None => value,
    }
}

/// Serde for `Option<Timestamp>`: writes the API format, reads every shape [`parse_timestamp`] knows; null and
/// absent both mean `None`.
pub mod optional {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{Timestamp, format_timestamp, parse_timestamp};

    /// Writes `Some` as an ISO-8601 string. Pair with `skip_serializing_if = "Option::is_none"`.
    pub fn serialize<S: Serializer>(
        value: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => serializer.serialize_str(&format_timestamp(t)),
            None => serializer.serialize_none(),
        }
    }

    /// Reads an ISO-8601 string or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        match Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)? {
            Some(text) => parse_timestamp(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// Serde for a required `Timestamp`: writes the API format, reads every shape [`parse_timestamp`] knows.
pub mod required {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{Timestamp, format_timestamp, parse_timestamp};

    /// Writes an ISO-8601 string.
    pub fn serialize<S: Serializer>(value: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_timestamp(value))
    }

    /// Reads an ISO-8601 string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        parse_timestamp(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_real_world_shape() {
        let cases = [
            ("2024-10-20T05:43:35.516Z", "2024-10-20T05:43:35.516Z"),
            ("2024-10-20T07:02:53Z", "2024-10-20T07:02:53.000Z"),
            ("2022-08-24T20:06:32.971290", "2022-08-24T20:06:32.971Z"),
            (
                "2023-04-07T16:44:22.262471+00:00",
                "2023-04-07T16:44:22.262Z",
            ),
            ("2023-04-07T18:44:22+02:00", "2023-04-07T16:44:22.000Z"),
            ("2022-08-24T20:06:32", "2022-08-24T20:06:32.000Z"),
        ];
        for (input, expected) in cases {
            let parsed = parse_timestamp(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(format_timestamp(&parsed), expected, "{input}");
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("").is_err());
        assert!(parse_timestamp("2024-13-01T00:00:00Z").is_err());
    }

    #[test]
    fn converts_smithy_timestamps() {
        let smithy = aws_smithy_types::DateTime::from_millis(1_729_402_015_516);
        assert_eq!(
            format_timestamp(&from_smithy(&smithy).unwrap()),
            "2024-10-20T05:26:55.516Z"
        );
    }
}
