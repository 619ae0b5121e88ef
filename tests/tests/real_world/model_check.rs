//! The botocore service model of HealthOmics against our models: every output member and enum value of GetRun,
//! GetRunTask, RunListItem and TaskListItem must survive our models, so a member AWS adds shows up here as a
//! failing test instead of a silent drop. Also the published API samples, through the same models.

use std::collections::{BTreeMap, BTreeSet};

use omics_introspect::analysis::names::Engine;
use omics_introspect::omics::{Run, RunSummary, Task};
use omics_introspect::time::parse_timestamp;
use omics_introspect::{RunStatus, TaskStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::corpus;

/// The output shapes our lookups return, each with what our model makes of a JSON body of that shape.
pub const CHECKED_SHAPES: [&str; 4] = [
    "GetRunResponse",
    "GetRunTaskResponse",
    "RunListItem",
    "TaskListItem",
];

/// The botocore model (`botocore-omics-model.json`).
pub struct ServiceModel {
    shapes: Map<String, Value>,
}

impl ServiceModel {
    /// Reads the model from the real-world folder.
    pub fn load() -> Self {
        let model = corpus::json("botocore-omics-model.json");
        let shapes = model["shapes"].as_object().expect("shapes").clone();
        Self { shapes }
    }

    fn shape(&self, name: &str) -> &Value {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("shape {name} missing from the model"))
    }

    /// `(member, member shape)` of structure `shape`, in model order.
    pub fn members(&self, shape: &str) -> Vec<(String, String)> {
        let members = self.shape(shape)["members"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        members
            .into_iter()
            .map(|(name, m)| (name, m["shape"].as_str().unwrap().to_owned()))
            .collect()
    }

    /// The enum values of `shape`, if it is an enum.
    pub fn enum_values(&self, shape: &str) -> Option<Vec<String>> {
        self.shape(shape)["enum"].as_array().map(|values| {
            values
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        })
    }

    /// The enum shapes reachable from `shape`'s members, by shape name, with the member paths that use them.
    pub fn enums_under(&self, shape: &str, out: &mut BTreeMap<String, BTreeSet<Vec<String>>>) {
        self.walk(shape, &mut Vec::new(), out, 0);
    }

    fn walk(
        &self,
        shape: &str,
        path: &mut Vec<String>,
        out: &mut BTreeMap<String, BTreeSet<Vec<String>>>,
        depth: usize,
    ) {
        if depth > 4 {
            return;
        }
        for (member, member_shape) in self.members(shape) {
            path.push(member);
            if self.enum_values(&member_shape).is_some() {
                out.entry(member_shape.clone())
                    .or_default()
                    .insert(path.clone());
            } else if self.is_plain_structure(&member_shape) {
                self.walk(&member_shape, path, out, depth + 1);
            }
            path.pop();
        }
    }

    fn is_plain_structure(&self, shape: &str) -> bool {
        let shape = self.shape(shape);
        shape["type"] == "structure" && shape["document"] != true
    }

    /// A body of `shape` with every member set to a value of its type (enums: their first value), so a model
    /// that drops or mangles any member is caught.
    pub fn sample(&self, shape: &str) -> Value {
        self.sample_at(shape, "value", 0)
    }

    fn sample_at(&self, shape: &str, member: &str, depth: usize) -> Value {
        let definition = self.shape(shape);
        match definition["type"].as_str().unwrap() {
            "string" => match self.enum_values(shape) {
                Some(values) => json!(values[0]),
                None => json!(format!("{member}-1")),
            },
            "integer" | "long" => json!(3),
            "float" | "double" => json!(1.5),
            "boolean" => json!(true),
            "timestamp" => json!("2024-10-20T05:43:35.516Z"),
            "list" => {
                let item = definition["member"]["shape"].as_str().unwrap();
                json!([self.sample_at(item, member, depth + 1)])
            }
            "map" => {
                let value = definition["value"]["shape"].as_str().unwrap();
                json!({ "key-1": self.sample_at(value, member, depth + 1) })
            }
            "structure" if definition["document"] == true => {
                json!({"document": {"nested": [1, "two", null, true]}})
            }
            "structure" if depth < 4 => Value::Object(
                self.members(shape)
                    .into_iter()
                    .map(|(name, member_shape)| {
                        let value = self.sample_at(&member_shape, &name, depth + 1);
                        (name, value)
                    })
                    .collect(),
            ),
            other => panic!("shape {shape}: type {other} has no sample"),
        }
    }
}

/// Reads `body` into `T` and writes it back as JSON.
pub fn round_trip<T: DeserializeOwned + Serialize>(body: &Value) -> Value {
    let parsed: T = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"));
    serde_json::to_value(parsed).unwrap()
}

/// What our model makes of a body of `shape`.
pub fn through_our_model(shape: &str, body: &Value) -> Value {
    match shape {
        "GetRunResponse" => round_trip::<Run>(body),
        "GetRunTaskResponse" | "TaskListItem" => round_trip::<Task>(body),
        "RunListItem" => round_trip::<RunSummary>(body),
        other => panic!("no model for {other}"),
    }
}

/// Asserts every member of `sent` is in `got` with the same value (timestamps compared as instants, since ours
/// are written in one format); names the member path that was dropped or changed.
pub fn assert_members_kept(context: &str, sent: &Value, got: &Value) {
    let (Some(sent), Some(got)) = (sent.as_object(), got.as_object()) else {
        panic!("{context}: not objects: {sent} / {got}")
    };
    for (member, value) in sent {
        let at = format!("{context}.{member}");
        let Some(kept) = got.get(member) else {
            panic!(
                "{at}: dropped by our model (got members {:?})",
                got.keys().collect::<Vec<_>>()
            )
        };
        match (value, kept) {
            (Value::Object(_), Value::Object(_)) => assert_members_kept(&at, value, kept),
            (Value::String(a), Value::String(b)) if a != b => {
                let instant = |t: &str| parse_timestamp(t).map(|t| t.timestamp_micros() / 1000);
                assert!(
                    instant(a).is_ok() && instant(a) == instant(b),
                    "{at}: sent {a:?}, got {b:?}"
                );
            }
            _ => assert_eq!(value, kept, "{at}"),
        }
    }
}

#[test]
fn every_output_member_of_the_model_is_kept() {
    let model = ServiceModel::load();
    for shape in CHECKED_SHAPES {
        let members = model.members(shape);
        assert!(members.len() >= 10, "{shape}: {members:?}");
        let sample = model.sample(shape);
        assert_members_kept(shape, &sample, &through_our_model(shape, &sample));
    }
}

#[test]
fn every_enum_value_of_the_model_is_accepted() {
    let model = ServiceModel::load();
    let mut enums = BTreeMap::new();
    for shape in CHECKED_SHAPES {
        enums.clear();
        model.enums_under(shape, &mut enums);
        for (enum_shape, paths) in &enums {
            for value in model.enum_values(enum_shape).unwrap() {
                let mut body = model.sample(shape);
                for path in paths {
                    let pointer = format!("/{}", path.join("/"));
                    *body.pointer_mut(&pointer).unwrap() = json!(value);
                }
                let context = format!("{shape} with {enum_shape}={value}");
                assert_members_kept(&context, &body, &through_our_model(shape, &body));
            }
        }
        assert!(!enums.is_empty(), "{shape} has no enum members?");
    }
    // Statuses are typed: each value the model has must be a known one, not merely kept as unknown.
    for value in model.enum_values("RunStatus").unwrap() {
        assert!(
            RunStatus::parse_known(&value).is_some(),
            "RunStatus {value} unknown to status.rs"
        );
    }
    for value in model.enum_values("TaskStatus").unwrap() {
        assert!(
            TaskStatus::parse_known(&value).is_some(),
            "TaskStatus {value} unknown to status.rs"
        );
    }
    for value in model.enum_values("WorkflowEngine").unwrap() {
        assert_ne!(
            Engine::parse(Some(&value)),
            Engine::Unknown,
            "engine {value}"
        );
    }
    // And a value AWS adds later passes through instead of failing the parse.
    let mut body = model.sample("GetRunTaskResponse");
    body["status"] = json!("SOME_NEW_STATUS");
    assert_members_kept(
        "new task status",
        &body,
        &through_our_model("GetRunTaskResponse", &body),
    );
}

#[test]
fn the_published_api_samples_parse_into_our_models() {
    let checks: [(&str, Option<&str>); 7] = [
        ("api/awscli-examples.get-run.json", Some("GetRunResponse")),
        (
            "api/awscli-examples.get-run-task.json",
            Some("GetRunTaskResponse"),
        ),
        (
            "api/awscli-pr9611.get-run-task.json",
            Some("GetRunTaskResponse"),
        ),
        (
            "api/awsdocs-getinfo-about-runs.get-run-gpu.json",
            Some("GetRunResponse"),
        ),
        (
            "api/awsdocs-getinfo-about-runs.get-run-nextflow-engineSettings.json",
            Some("GetRunResponse"),
        ),
        // Run caches are not modelled here; the sample must still be valid JSON.
        ("api/awscli-pr9611.get-run-cache.json", None),
        ("api/awscli-examples.list-runs.json", None),
    ];
    for (file, shape) in checks {
        let body = corpus::json(file);
        if let Some(shape) = shape {
            assert_members_kept(file, &body, &through_our_model(shape, &body));
        }
    }
    for (file, shape) in [
        ("api/awscli-examples.list-runs.json", "RunListItem"),
        ("api/awscli-examples.list-run-tasks.json", "TaskListItem"),
    ] {
        let body = corpus::json(file);
        let items = body["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{file}");
        for (i, item) in items.iter().enumerate() {
            assert_members_kept(
                &format!("{file}[{i}]"),
                item,
                &through_our_model(shape, item),
            );
        }
    }
    // Every API sample is covered above or is invalid JSON exactly as published (named so on purpose).
    for file in corpus::files("api") {
        let valid = serde_json::from_str::<Value>(&corpus::text(&file)).is_ok();
        assert_eq!(valid, !file.ends_with(".verbatim-invalid.json"), "{file}");
    }
}
