//! Run and task status enums.
//!
//! Parsing is case-insensitive (query strings come from people) and keeps unknown values instead of failing, so a
//! status AWS adds later passes through untouched.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = $text] $variant,)+
            /// A value this version does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in the API's spelling.
            pub const VALUES: &'static [&'static str] = &[$($text),+];

            /// The API's spelling of this status.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(value) => value,
                }
            }

            /// Parses a known value case-insensitively; `None` for anything else.
            pub fn parse_known(value: &str) -> Option<Self> {
                $(if value.eq_ignore_ascii_case($text) { return Some(Self::$variant); })+
                None
            }

            /// Parses any value; unknown values are kept as [`Self::Unknown`].
            pub fn from_api(value: &str) -> Self {
                Self::parse_known(value).unwrap_or_else(|| Self::Unknown(value.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(Self::from_api(&value))
            }
        }
    };
}

status_enum!(
    /// Status of a workflow run.
    RunStatus {
        Pending => "PENDING",
        Starting => "STARTING",
        Running => "RUNNING",
        Stopping => "STOPPING",
        Completed => "COMPLETED",
        Deleted => "DELETED",
        Cancelled => "CANCELLED",
        Failed => "FAILED",
    }
);

status_enum!(
    /// Status of a task within a run.
    TaskStatus {
        Pending => "PENDING",
        Starting => "STARTING",
        Running => "RUNNING",
        Stopping => "STOPPING",
        Completed => "COMPLETED",
        Cancelled => "CANCELLED",
        Failed => "FAILED",
    }
);

impl RunStatus {
    /// A run in a terminal state never changes again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Cancelled | Self::Failed | Self::Deleted
        )
    }
}

impl TaskStatus {
    /// A task in a terminal state never changes again.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Failed)
    }

    /// Reads a manifest task status: manifests say `SUCCESS` where the API says `COMPLETED`.
    pub fn from_manifest(value: &str) -> Self {
        if value.eq_ignore_ascii_case("SUCCESS") {
            Self::Completed
        } else {
            Self::from_api(value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_keeps_unknown() {
        assert_eq!(RunStatus::from_api("completed"), RunStatus::Completed);
        assert_eq!(RunStatus::parse_known("Running"), Some(RunStatus::Running));
        assert_eq!(RunStatus::parse_known("DONE"), None);
        assert_eq!(RunStatus::from_api("PAUSED").as_str(), "PAUSED");
        assert_eq!(TaskStatus::parse_known("DELETED"), None);
    }

    #[test]
    fn manifest_success_means_completed() {
        assert_eq!(TaskStatus::from_manifest("SUCCESS"), TaskStatus::Completed);
        assert_eq!(TaskStatus::from_manifest("FAILED"), TaskStatus::Failed);
    }

    #[test]
    fn terminal_states() {
        assert!(RunStatus::Completed.is_terminal());
        assert!(RunStatus::Failed.is_terminal());
        assert!(!RunStatus::Stopping.is_terminal());
        assert!(!TaskStatus::Running.is_terminal());
    }

    #[test]
    fn serializes_in_api_spelling() {
        assert_eq!(
            serde_json::to_string(&RunStatus::Cancelled).unwrap(),
            "\"CANCELLED\""
        );
        let s: TaskStatus = serde_json::from_str("\"failed\"").unwrap();
        assert_eq!(s, TaskStatus::Failed);
    }
}
