//! CloudWatch metrics as Embedded Metric Format (EMF) lines on stdout: CloudWatch Logs turns every log line that
//! is an EMF JSON object into metric data points, with no API call and no IAM permission.
//!
//! A line is one JSON object: the metric values and dimension values as top-level members, and `_aws` naming the
//! namespace, the dimension sets and each metric's unit (see [`MetricLine::to_json`]). Two kinds are emitted:
//! - per stored enrichment (`enrich-run`, a record written, not a duplicate): [`RunFigures`], by `WorkflowId`
//!   and `Status`;
//! - once per process in every function: `ColdStart`, by `Function` ([`cold_start`], called from
//!   [`crate::logging::init`]).
//!
//! The namespace is `METRICS_NAMESPACE` (a template parameter), else [`DEFAULT_NAMESPACE`].

use std::sync::Once;

use serde_json::{Map, Value, json};

use crate::record::ReportHead;

/// Namespace when `METRICS_NAMESPACE` is unset or empty.
pub const DEFAULT_NAMESPACE: &str = "OmicsIntrospect";
/// Environment variable naming the namespace.
pub const NAMESPACE_VAR: &str = "METRICS_NAMESPACE";
/// Value of the `WorkflowId` dimension for a run whose workflow is unknown (a dimension value cannot be empty).
pub const UNKNOWN_WORKFLOW: &str = "unknown";

/// The EMF units these metrics use (a subset of the specification's list; USD has no unit, hence `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// `Seconds`.
    Seconds,
    /// `Count`.
    Count,
    /// `None`: a plain number (USD, task-hours).
    None,
}

impl Unit {
    /// The unit as EMF spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seconds => "Seconds",
            Self::Count => "Count",
            Self::None => "None",
        }
    }
}

/// One EMF line: one dimension set, its values, and metrics with values.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricLine {
    /// CloudWatch namespace.
    pub namespace: String,
    /// Dimension names and values, in order (one dimension set).
    pub dimensions: Vec<(&'static str, String)>,
    /// Metric names, units and values; a metric whose value is unknown is left out, never sent as 0.
    pub metrics: Vec<(&'static str, Unit, f64)>,
    /// Milliseconds since the epoch.
    pub timestamp_ms: i64,
}

impl MetricLine {
    /// A line in the configured namespace, stamped now.
    pub fn now(dimensions: Vec<(&'static str, String)>) -> Self {
        Self {
            namespace: namespace(),
            dimensions,
            metrics: Vec::new(),
            timestamp_ms: chrono::Utc::now().timestamp_millis(),
        }
    }

    /// Adds a metric when its value is known and finite.
    pub fn metric(mut self, name: &'static str, unit: Unit, value: Option<f64>) -> Self {
        if let Some(value) = value.filter(|v| v.is_finite()) {
            self.metrics.push((name, unit, value));
        }
        self
    }

    /// The EMF JSON object.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        let names: Vec<&str> = self.dimensions.iter().map(|(name, _)| *name).collect();
        let definitions: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit.as_str()}))
            .collect();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": self.timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [names],
                    "Metrics": definitions,
                }],
            }),
        );
        for (name, value) in &self.dimensions {
            root.insert((*name).into(), Value::String(value.clone()));
        }
        for (name, _, value) in &self.metrics {
            root.insert((*name).into(), json!(value));
        }
        Value::Object(root)
    }

    /// Prints the line on stdout, where Lambda ships it to CloudWatch Logs. Printed directly, not through the
    /// JSON log subscriber: EMF needs the line itself to be the object, not a `message` member of a log event.
    pub fn emit(&self) {
        if !self.metrics.is_empty() {
            println!("{}", self.to_json());
        }
    }
}

/// The configured namespace.
pub fn namespace() -> String {
    std::env::var(NAMESPACE_VAR)
        .ok()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned())
}

/// What a stored enrichment reports: its cost, its waste, how long and how much it ran, what failed.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFigures {
    /// Workflow id, or [`UNKNOWN_WORKFLOW`].
    pub workflow_id: String,
    /// Run status.
    pub status: String,
    /// The known part of the run's cost (compute + storage when known).
    pub cost_usd: Option<f64>,
    /// The known right-sizing savings: what the run wasted.
    pub waste_usd: Option<f64>,
    /// Run stop − start.
    pub wall_seconds: Option<f64>,
    /// Σ task running hours.
    pub task_hours: f64,
    /// FAILED tasks.
    pub failed_tasks: u64,
    /// Tasks served from the run cache.
    pub cached_tasks: u64,
}

impl RunFigures {
    /// The figures of a built record.
    pub fn of(head: &ReportHead) -> Self {
        let summary = &head.summary;
        Self {
            workflow_id: head
                .run
                .workflow_id
                .clone()
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| UNKNOWN_WORKFLOW.to_owned()),
            status: head.status.to_string(),
            cost_usd: head.cost.as_ref().map(|c| c.known_usd),
            waste_usd: head.rightsizing.as_ref().map(|r| r.known_savings_usd),
            wall_seconds: summary.wall_time_seconds,
            task_hours: summary.task_hours,
            failed_tasks: summary.counts_by_status.get("FAILED").copied().unwrap_or(0),
            cached_tasks: summary.cache_hits,
        }
    }

    /// The EMF line, by `WorkflowId` and `Status`.
    pub fn line(&self) -> MetricLine {
        MetricLine::now(vec![
            ("WorkflowId", self.workflow_id.clone()),
            ("Status", self.status.clone()),
        ])
        .metric("RunCostUSD", Unit::None, self.cost_usd)
        .metric("WasteUSD", Unit::None, self.waste_usd)
        .metric("WallSeconds", Unit::Seconds, self.wall_seconds)
        .metric("TaskHours", Unit::None, Some(self.task_hours))
        .metric("FailedTasks", Unit::Count, Some(self.failed_tasks as f64))
        .metric("CachedTasks", Unit::Count, Some(self.cached_tasks as f64))
    }
}

/// The `ColdStart` line of this process, by `Function` (the Lambda function name, else the binary's name).
pub fn cold_start_line() -> MetricLine {
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME")
        .ok()
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    MetricLine::now(vec![("Function", function)]).metric("ColdStart", Unit::Count, Some(1.0))
}

/// Emits `ColdStart` once per process (later calls do nothing).
pub fn cold_start() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| cold_start_line().emit());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The units the EMF specification allows.
    const SPEC_UNITS: &[&str] = &[
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];

    /// Checks a line against the EMF specification: `_aws` with an integer `Timestamp` and a non-empty
    /// `CloudWatchMetrics` array; each directive has a `Namespace` string, `Dimensions` as arrays of at most 30
    /// member names, and `Metrics` (at most 100) with a `Name` and an allowed `Unit`; every referenced dimension
    /// is a string member and every metric a number member of the root object.
    fn assert_valid_emf(line: &Value) {
        let root = line.as_object().expect("an object");
        let aws = root["_aws"].as_object().expect("_aws");
        assert!(aws["Timestamp"].as_i64().is_some_and(|t| t > 0));
        let directives = aws["CloudWatchMetrics"].as_array().expect("directives");
        assert!(!directives.is_empty());
        for directive in directives {
            let namespace = directive["Namespace"].as_str().expect("Namespace");
            assert!(!namespace.is_empty() && namespace.len() <= 1024);
            for set in directive["Dimensions"].as_array().expect("Dimensions") {
                let set = set.as_array().expect("a dimension set");
                assert!(set.len() <= 30);
                for name in set {
                    let name = name.as_str().expect("a dimension name");
                    let value = root[name].as_str().expect("a dimension value member");
                    assert!(!value.is_empty());
                }
            }
            let metrics = directive["Metrics"].as_array().expect("Metrics");
            assert!(!metrics.is_empty() && metrics.len() <= 100);
            for metric in metrics {
                let name = metric["Name"].as_str().expect("Name");
                let unit = metric["Unit"].as_str().expect("Unit");
                assert!(SPEC_UNITS.contains(&unit), "{unit}");
                assert!(root[name].is_number(), "{name} has no number member");
            }
        }
    }

    fn figures() -> RunFigures {
        RunFigures {
            workflow_id: "1234567".into(),
            status: "COMPLETED".into(),
            cost_usd: Some(12.5),
            waste_usd: Some(3.25),
            wall_seconds: None,
            task_hours: 7.0,
            failed_tasks: 2,
            cached_tasks: 1,
        }
    }

    #[test]
    fn run_figures_are_a_valid_emf_line_by_workflow_and_status() {
        let json = figures().line().to_json();
        assert_valid_emf(&json);
        let directive = &json["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["WorkflowId", "Status"]]));
        assert_eq!(json["WorkflowId"], "1234567");
        assert_eq!(json["RunCostUSD"], 12.5);
        assert_eq!(json["WasteUSD"], 3.25);
        assert_eq!(json["FailedTasks"], 2.0);
        // An unknown figure is left out, not reported as zero.
        assert!(json.get("WallSeconds").is_none());
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "RunCostUSD",
                "WasteUSD",
                "TaskHours",
                "FailedTasks",
                "CachedTasks"
            ]
        );
    }

    #[test]
    fn cold_start_is_a_valid_emf_count_by_function() {
        let json = cold_start_line().to_json();
        assert_valid_emf(&json);
        assert_eq!(json["ColdStart"], 1.0);
        assert_eq!(
            json["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            json!([{"Name": "ColdStart", "Unit": "Count"}])
        );
        assert!(json["Function"].as_str().is_some_and(|f| !f.is_empty()));
    }

    #[test]
    fn the_namespace_defaults_when_unset() {
        // The test process does not set METRICS_NAMESPACE (the template sets it for the functions).
        if std::env::var(NAMESPACE_VAR).is_err() {
            assert_eq!(namespace(), DEFAULT_NAMESPACE);
        }
        assert_eq!(
            figures().line().to_json()["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            namespace()
        );
    }

    #[test]
    fn the_checker_rejects_a_line_without_values() {
        let mut json = figures().line().to_json();
        json.as_object_mut().unwrap().remove("TaskHours");
        assert!(std::panic::catch_unwind(|| assert_valid_emf(&json)).is_err());
    }
}
