//! Gzip JSON: how the fleet's compact attributes are stored (task groups, day buckets, recent runs). Rows of one
//! kind share most of their text, so they compress four- to tenfold and items stay far below 400 KB.

use std::io::Write as _;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// `value` as gzip JSON; `what` names it in the error.
pub(super) fn gzip_json<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<Vec<u8>> {
    let internal = |e: &dyn std::fmt::Display| Error::Internal(format!("encoding {what}: {e}"));
    let json = serde_json::to_vec(value).map_err(|e| internal(&e))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&json).map_err(|e| internal(&e))?;
    encoder.finish().map_err(|e| internal(&e))
}

/// The value of gzip JSON `bytes`; `None` when they are not (the caller names what is malformed).
pub(super) fn gunzip_json<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_reader(flate2::read::GzDecoder::new(bytes)).ok()
}

/// The read units a response reports (0 when it reports none, as moto may).
pub(super) fn units(consumed: Option<aws_sdk_dynamodb::types::ConsumedCapacity>) -> f64 {
    consumed.and_then(|c| c.capacity_units).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_json_round_trips_and_rejects_other_bytes() {
        let value = vec!["a".to_owned(); 1000];
        let bytes = gzip_json(&value, "names").unwrap();
        assert!(bytes.len() < 100, "{} bytes", bytes.len());
        assert_eq!(gunzip_json::<Vec<String>>(&bytes), Some(value));
        assert_eq!(gunzip_json::<Vec<String>>(b"not gzip"), None);
    }
}
