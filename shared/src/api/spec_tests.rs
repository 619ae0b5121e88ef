//! `openapi.yaml` (read with a YAML parser) stays in step with the code: every route of [`ROUTES`] is documented
//! with its method and function and nothing else is, and the run and task schemas list exactly the members the
//! models serialize.
//!
//! The models are built with every field set and without `..Default::default()`, so a new model field fails to
//! compile here until the document (and this test) learn about it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::DateTime;
use serde_json::json;
use serde_yaml_ng::Value;

use super::routes::ROUTES;
use crate::omics::{
    ConfigurationDetails, ImageDetails, Run, RunLogLocation, RunSummary, Task, VpcConfig,
};
use crate::status::{RunStatus, TaskStatus};

const SPEC: &str = include_str!("../../../openapi.yaml");

/// The OpenAPI document, parsed.
fn spec() -> Value {
    serde_yaml_ng::from_str(SPEC).expect("openapi.yaml is YAML")
}

/// `method path` of every operation under `paths:`, with its `x-function`.
fn documented_routes() -> BTreeMap<String, String> {
    let spec = spec();
    let paths = spec["paths"].as_mapping().expect("paths");
    let mut routes = BTreeMap::new();
    for (path, item) in paths {
        let path = path.as_str().expect("path");
        for (method, operation) in item.as_mapping().expect("path item") {
            let method = method.as_str().expect("method");
            if !["get", "put", "post", "delete", "patch", "head", "options"].contains(&method) {
                continue; // parameters, summary, ...
            }
            let function = operation["x-function"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no x-function"));
            routes.insert(
                format!("{} {path}", method.to_ascii_uppercase()),
                function.to_owned(),
            );
        }
    }
    routes
}

/// Member names of a component schema: the keys of `components.schemas.<name>.properties`.
fn schema_members(name: &str) -> BTreeSet<String> {
    let spec = spec();
    let members: BTreeSet<String> = spec["components"]["schemas"][name]["properties"]
        .as_mapping()
        .unwrap_or_else(|| panic!("schema {name} not found in openapi.yaml"))
        .keys()
        .map(|key| key.as_str().expect("member name").to_owned())
        .collect();
    assert!(!members.is_empty(), "schema {name} has no members");
    members
}

fn keys(value: &impl serde::Serialize) -> BTreeSet<String> {
    serde_json::to_value(value)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn text() -> Option<String> {
    Some("x".to_owned())
}

#[test]
fn every_route_is_documented_with_its_function() {
    let documented = documented_routes();
    let table: BTreeMap<String, String> = ROUTES
        .iter()
        .map(|route| (route.route_key(), route.function.to_owned()))
        .collect();
    assert_eq!(documented, table);
}

#[test]
fn run_schema_lists_every_run_member() {
    let t = DateTime::from_timestamp(1_729_402_015, 0);
    let run = Run {
        arn: text(),
        id: text(),
        run_id: text(),
        uuid: text(),
        name: text(),
        status: Some(RunStatus::Completed),
        status_message: text(),
        failure_reason: text(),
        workflow_id: text(),
        workflow_type: text(),
        workflow_owner_id: text(),
        workflow_version_name: text(),
        workflow_uuid: text(),
        engine_version: text(),
        digest: text(),
        definition: text(),
        resource_digests: Some(BTreeMap::new()),
        parameters: Some(json!({})),
        priority: Some(1),
        storage_capacity: Some(1),
        storage_type: text(),
        output_uri: text(),
        run_output_uri: text(),
        output_uri_prefix_mode: text(),
        role_arn: text(),
        run_group_id: text(),
        batch_id: text(),
        started_by: text(),
        creation_time: t,
        start_time: t,
        stop_time: t,
        log_level: text(),
        log_location: Some(RunLogLocation::default()),
        retention_mode: text(),
        accelerators: text(),
        cache_id: text(),
        cache_behavior: text(),
        networking_mode: text(),
        scratch_storage_mode: text(),
        configuration: Some(ConfigurationDetails::default()),
        vpc_config: Some(VpcConfig::default()),
        engine_settings: Some(json!({})),
        session_policy: text(),
        tags: Some(BTreeMap::new()),
    };
    assert_eq!(schema_members("Run"), keys(&run));
}

#[test]
fn run_list_item_schema_lists_every_summary_member() {
    let t = DateTime::from_timestamp(1_729_402_015, 0);
    let summary = RunSummary {
        arn: text(),
        id: text(),
        status: Some(RunStatus::Running),
        workflow_id: text(),
        batch_id: text(),
        name: text(),
        priority: Some(1),
        storage_capacity: Some(1),
        storage_type: text(),
        creation_time: t,
        start_time: t,
        stop_time: t,
        workflow_version_name: text(),
        workflow_name: text(),
    };
    assert_eq!(schema_members("RunListItem"), keys(&summary));
}

#[test]
fn task_schema_lists_every_task_member() {
    let t = DateTime::from_timestamp(1_729_402_015, 0);
    let task = Task {
        task_id: text(),
        uuid: text(),
        status: Some(TaskStatus::Failed),
        name: text(),
        cpus: Some(1),
        memory: Some(1),
        gpus: Some(0),
        instance_type: text(),
        cache_hit: Some(false),
        cache_s3_uri: text(),
        creation_time: t,
        start_time: t,
        stop_time: t,
        status_message: text(),
        log_stream: text(),
        failure_reason: text(),
        image_details: Some(ImageDetails::default()),
    };
    assert_eq!(schema_members("Task"), keys(&task));
}

#[test]
fn error_codes_are_documented() {
    use crate::error::Error;
    let codes = [
        Error::invalid("x", "y").code(),
        Error::NotFound {
            resource: "run",
            id: String::new(),
        }
        .code(),
        Error::AccessDenied {
            service: "s",
            source: "x".into(),
        }
        .code(),
        Error::Throttled {
            service: "s",
            retry_after_secs: 1,
        }
        .code(),
        Error::UpstreamRejected {
            service: "s",
            source: "x".into(),
        }
        .code(),
        Error::Upstream {
            service: "s",
            status: None,
            source: "x".into(),
        }
        .code(),
        Error::Timeout {
            service: "s",
            source: None,
        }
        .code(),
        Error::Internal(String::new()).code(),
        "RouteNotFound",
        "MethodNotAllowed",
        "PayloadTooLarge",
    ];
    for code in codes {
        assert!(
            SPEC.contains(&format!("                - {code}\n")),
            "{code} missing from the Error schema's code enum"
        );
    }
}
