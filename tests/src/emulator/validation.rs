//! Input constraints from the HealthOmics service model, checked the way the service checks them.

use super::errors::ApiError;

/// Values of the `RunStatus` enum.
pub const RUN_STATUSES: &[&str] = &[
    "PENDING",
    "STARTING",
    "RUNNING",
    "STOPPING",
    "COMPLETED",
    "DELETED",
    "CANCELLED",
    "FAILED",
];

/// Values of the `TaskStatus` enum (`RunStatus` without `DELETED`).
pub const TASK_STATUSES: &[&str] = &[
    "PENDING",
    "STARTING",
    "RUNNING",
    "STOPPING",
    "COMPLETED",
    "CANCELLED",
    "FAILED",
];

/// Page size used when a list request carries no `maxResults`.
pub const DEFAULT_MAX_RESULTS: usize = 100;

/// Largest accepted `maxResults`.
pub const MAX_RESULTS_LIMIT: usize = 100;

/// Whether `id` is a HealthOmics numeric id: `[0-9]+`, 1–18 characters.
pub fn is_valid_id(id: &str) -> bool {
    (1..=18).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a numeric id (run, task, run group, batch) named `field` in the error message.
pub fn check_id(field: &str, id: &str) -> Result<(), ApiError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value '{id}' at '{field}' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [0-9]+ and have length between 1 and 18"
        )))
    }
}

/// Checks an enum value (`status` filters) against its allowed values.
pub fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        )))
    }
}

/// Checks a string's length in characters against the model's `min`/`max`.
pub fn check_length(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let len = value.chars().count();
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: \
             Member must have length between {min} and {max}"
        )))
    }
}

/// Parses `maxResults`: absent means [`DEFAULT_MAX_RESULTS`]; anything but an integer in 1–100 is rejected.
pub fn parse_max_results(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_MAX_RESULTS);
    };
    let parsed: Option<i64> = raw.parse().ok();
    match parsed {
        Some(n) if (1..=MAX_RESULTS_LIMIT as i64).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{raw}' at 'maxResults' failed to satisfy constraint: \
             Member must have value between 1 and {MAX_RESULTS_LIMIT}"
        ))),
        None => Err(ApiError::validation(format!(
            "Value '{raw}' at 'maxResults' is not a valid integer"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_to_eighteen_digits() {
        assert!(is_valid_id("1"));
        assert!(is_valid_id("123456789012345678"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("1234567890123456789"));
        assert!(!is_valid_id("12a"));
        assert!(!is_valid_id("-1"));
        assert!(!is_valid_id("１")); // full-width digit: not ASCII
        assert!(check_id("id", "abc").is_err());
    }

    #[test]
    fn max_results_bounds() {
        assert_eq!(parse_max_results(None), Ok(100));
        assert_eq!(parse_max_results(Some("1")), Ok(1));
        assert_eq!(parse_max_results(Some("100")), Ok(100));
        for bad in [
            "0",
            "101",
            "-1",
            "",
            "abc",
            "1.5",
            "99999999999999999999999",
        ] {
            let err = parse_max_results(Some(bad)).unwrap_err();
            assert_eq!(err.kind, "ValidationException", "{bad}");
            assert_eq!(err.status.as_u16(), 400);
        }
    }

    #[test]
    fn enums_and_lengths() {
        assert!(check_enum("status", "COMPLETED", RUN_STATUSES).is_ok());
        assert!(check_enum("status", "DELETED", TASK_STATUSES).is_err());
        assert!(check_enum("status", "completed", RUN_STATUSES).is_err());
        assert!(check_length("name", "", 1, 128).is_err());
        assert!(check_length("name", &"é".repeat(128), 1, 128).is_ok());
        assert!(check_length("name", &"x".repeat(129), 1, 128).is_err());
    }
}
