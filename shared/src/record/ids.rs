//! Validated HealthOmics identifiers: numeric ids and the run uuid.
//!
//! HealthOmics ids (run, task, run group, workflow) are decimal strings of 1 to 18 digits. Validating them at the
//! edge means a malformed id never reaches an upstream call and the caller learns which field was wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid HealthOmics id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} must be 1 to 18 decimal digits, got {value:?}")]
pub struct InvalidId {
    /// Which kind of id was expected ("run id", "task id", ...).
    pub kind: &'static str,
    /// The rejected input, truncated to keep error messages short.
    pub value: String,
}

fn validate(kind: &'static str, value: &str) -> Result<(), InvalidId> {
    let ok = (1..=18).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(InvalidId {
            kind,
            value: value.chars().take(40).collect(),
        })
    }
}

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates `value` as this kind of id.
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                validate($kind, value)?;
                Ok(Self(value.to_owned()))
            }

            /// The id as the string HealthOmics uses.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(value: &str) -> Result<Self, InvalidId> {
                Self::parse(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Self::parse(&value).map_err(serde::de::Error::custom)
            }
        }
    };
}

numeric_id!(
    /// A HealthOmics run id (`GetRun` `id`).
    RunId,
    "run id"
);
numeric_id!(
    /// A HealthOmics task id, unique within its run.
    TaskId,
    "task id"
);
numeric_id!(
    /// A HealthOmics run group id.
    RunGroupId,
    "run group id"
);
numeric_id!(
    /// A HealthOmics workflow id.
    WorkflowId,
    "workflow id"
);
numeric_id!(
    /// A HealthOmics run batch id (`batchId`).
    BatchId,
    "batch id"
);

/// Why a string is not a valid run uuid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run uuid must be 1 to 64 letters, digits or dashes, got {value:?}")]
pub struct InvalidUuid {
    /// The rejected input, truncated to keep error messages short.
    pub value: String,
}

/// A HealthOmics run uuid (run ids are reused; the uuid is not). It addresses the manifest stream
/// (`manifest/run/<id>/<uuid>`), S3 keys and DynamoDB sort keys, so it is checked once at the edge.
///
/// The rule is deliberately loose: 1 to 64 ASCII letters, digits or dashes. Real HealthOmics uuids are not
/// RFC 4122 uuids (their version digit varies), so the version is never checked.
///
/// # In stored records
///
/// [`ReportHead`](super::ReportHead), [`EnrichmentSummary`](super::EnrichmentSummary) and
/// [`RunSide`](super::RunSide) hold a `RunUuid`; it serializes as the plain JSON string (and DynamoDB `S`
/// attribute) the `String` it replaced did, so stored bytes are unchanged. Reading is strict on purpose: a stored
/// uuid that is not well-formed fails the read with an [`Error::Internal`](crate::error::Error::Internal) naming
/// the `uuid` field (a 500 whose body names no internals), like any other malformed required field. Every
/// version that wrote records took the uuid from HealthOmics and this rule accepts every uuid HealthOmics issues,
/// so old records always read. A value that fails it is corruption of the record's identity (it is the DynamoDB
/// sort key and part of the S3 key, and no API request could address it), and there is no truthful value to fall
/// back to: substituting one would invent an identity, keeping the raw text would break this type's guarantee.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunUuid(String);

impl RunUuid {
    /// Validates `value` as a run uuid.
    pub fn parse(value: &str) -> Result<Self, InvalidUuid> {
        let ok = (1..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidUuid {
                value: value.chars().take(70).collect(),
            })
        }
    }

    /// The uuid as HealthOmics writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RunUuid {
    type Err = InvalidUuid;
    fn from_str(value: &str) -> Result<Self, InvalidUuid> {
        Self::parse(value)
    }
}

impl fmt::Display for RunUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RunUuid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<RunUuid> for String {
    fn from(uuid: RunUuid) -> Self {
        uuid.0
    }
}

impl PartialEq<str> for RunUuid {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for RunUuid {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for RunUuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RunUuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}

/// Extracts the id after the last `/` of an ARN if the resource segment matches, e.g. `run/1234` → `1234`.
///
/// Event and manifest ARNs look like `arn:aws:omics:us-east-1:123456789012:run/1234567`.
pub fn id_from_arn<'a>(arn: &'a str, resource: &str) -> Option<&'a str> {
    let resource_part = arn.rsplit(':').next()?;
    let (kind, id) = resource_part.split_once('/')?;
    (kind == resource).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_one_to_eighteen_digits() {
        assert_eq!(RunId::parse("1").unwrap().as_str(), "1");
        assert_eq!(
            RunId::parse("123456789012345678").unwrap().to_string(),
            "123456789012345678"
        );
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "1234567890123456789",
            "12a",
            " 1",
            "-1",
            "1.0",
            "１２",
            "1/2",
        ] {
            let err = RunId::parse(bad).unwrap_err();
            assert_eq!(err.kind, "run id", "{bad:?}");
        }
        assert_eq!(TaskId::parse("x").unwrap_err().kind, "task id");
    }

    #[test]
    fn deserializes_with_validation() {
        let id: RunId = serde_json::from_str("\"42\"").unwrap();
        assert_eq!(id.as_str(), "42");
        assert!(serde_json::from_str::<RunId>("\"4x\"").is_err());
    }

    #[test]
    fn run_uuids_keep_the_loose_rule() {
        for good in [
            "0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10",
            "u",
            "ABC-123",
            &"a".repeat(64),
        ] {
            assert_eq!(RunUuid::parse(good).unwrap().as_str(), good);
        }
        // Not RFC 4122: any version digit is accepted.
        assert!(RunUuid::parse("0c7a6a8e-1b1e-9c58-9d4f-5f7c3e2a1b10").is_ok());
        for bad in ["", "a/b", "a b", "ü", "a_b", "a.b", &"a".repeat(65)] {
            assert!(RunUuid::parse(bad).is_err(), "{bad:?}");
        }
        let uuid: RunUuid = serde_json::from_str("\"abc-1\"").unwrap();
        assert_eq!(serde_json::to_string(&uuid).unwrap(), "\"abc-1\"");
        assert!(serde_json::from_str::<RunUuid>("\"a/b\"").is_err());
    }

    #[test]
    fn extracts_ids_from_arns() {
        let arn = "arn:aws:omics:us-east-1:123456789012:run/1695324";
        assert_eq!(id_from_arn(arn, "run"), Some("1695324"));
        assert_eq!(id_from_arn(arn, "task"), None);
        assert_eq!(
            id_from_arn("arn:aws:omics:us-east-1:1:task/9", "task"),
            Some("9")
        );
        assert_eq!(id_from_arn("garbage", "run"), None);
    }
}
