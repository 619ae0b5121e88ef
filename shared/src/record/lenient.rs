//! Reading the analysis sections of stored records leniently: a section written by another version of this crate
//! that no longer parses is read as absent instead of making the whole record unreadable (the timeline and the
//! comparison recompute what they need from the tasks).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// `deserialize_with` for an optional section: `None` when absent, null or not of the expected shape.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Section {
        total: f64,
    }

    #[derive(Debug, Deserialize)]
    struct Record {
        #[serde(default, deserialize_with = "super::deserialize")]
        section: Option<Section>,
        id: u32,
    }

    #[test]
    fn unreadable_sections_are_absent_not_fatal() {
        let ok: Record = serde_json::from_str(r#"{"section":{"total":1.5},"id":1}"#).unwrap();
        assert_eq!(ok.section, Some(Section { total: 1.5 }));
        let old: Record = serde_json::from_str(r#"{"section":{"sum":1},"id":2}"#).unwrap();
        assert_eq!((old.section, old.id), (None, 2));
        let absent: Record = serde_json::from_str(r#"{"id":3}"#).unwrap();
        assert_eq!(absent.section, None);
        let null: Record = serde_json::from_str(r#"{"section":null,"id":4}"#).unwrap();
        assert_eq!(null.section, None);
    }
}
