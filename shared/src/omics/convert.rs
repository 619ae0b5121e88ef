//! Conversions from SDK output shapes to the domain models.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_omics::operation::get_run::GetRunOutput;
use aws_sdk_omics::operation::get_run_task::GetRunTaskOutput;
use aws_sdk_omics::types::{RunListItem, TaskListItem};
use aws_smithy_types::{Document, Number};
use serde_json::Value;

use super::model::{
    ConfigurationDetails, ImageDetails, Run, RunLogLocation, RunSummary, Task, VpcConfig,
};
use crate::status::{RunStatus, TaskStatus};
use crate::time::from_smithy;

/// Converts a smithy JSON document into a `serde_json` value.
pub(crate) fn document_to_json(document: &Document) -> Value {
    match document {
        Document::Object(map) => {
            // The SDK's map is a HashMap (random order) and serde_json keeps insertion order here (a
            // dependency enables `preserve_order`): sort keys so the same run always serializes to the same
            // bytes (ETags, byte-identical reports).
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), document_to_json(v)))
                    .collect(),
            )
        }
        Document::Array(items) => Value::Array(items.iter().map(document_to_json).collect()),
        Document::Number(Number::PosInt(n)) => Value::from(*n),
        Document::Number(Number::NegInt(n)) => Value::from(*n),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        Document::String(s) => Value::String(s.clone()),
        Document::Bool(b) => Value::Bool(*b),
        Document::Null => Value::Null,
    }
}

fn sorted(map: Option<HashMap<String, String>>) -> Option<BTreeMap<String, String>> {
    map.map(|m| m.into_iter().collect())
}

fn text<T: AsRef<str>>(value: Option<T>) -> Option<String> {
    value.map(|v| v.as_ref().to_owned())
}

impl From<GetRunOutput> for Run {
    fn from(out: GetRunOutput) -> Self {
        Run {
            arn: out.arn,
            id: out.id,
            run_id: out.run_id,
            uuid: out.uuid,
            name: out.name,
            status: out.status.map(|s| RunStatus::from_api(s.as_str())),
            status_message: out.status_message,
            failure_reason: out.failure_reason,
            workflow_id: out.workflow_id,
            workflow_type: text(out.workflow_type.as_ref().map(|v| v.as_str())),
            workflow_owner_id: out.workflow_owner_id,
            workflow_version_name: out.workflow_version_name,
            workflow_uuid: out.workflow_uuid,
            engine_version: out.engine_version,
            digest: out.digest,
            definition: out.definition,
            resource_digests: sorted(out.resource_digests),
            parameters: out.parameters.as_ref().map(document_to_json),
            priority: out.priority,
            storage_capacity: out.storage_capacity,
            storage_type: text(out.storage_type.as_ref().map(|v| v.as_str())),
            output_uri: out.output_uri,
            run_output_uri: out.run_output_uri,
            output_uri_prefix_mode: text(out.output_uri_prefix_mode.as_ref().map(|v| v.as_str())),
            role_arn: out.role_arn,
            run_group_id: out.run_group_id,
            batch_id: out.batch_id,
            started_by: out.started_by,
            creation_time: out.creation_time.as_ref().and_then(from_smithy),
            start_time: out.start_time.as_ref().and_then(from_smithy),
            stop_time: out.stop_time.as_ref().and_then(from_smithy),
            log_level: text(out.log_level.as_ref().map(|v| v.as_str())),
            log_location: out.log_location.map(|l| RunLogLocation {
                engine_log_stream: l.engine_log_stream,
                run_log_stream: l.run_log_stream,
            }),
            retention_mode: text(out.retention_mode.as_ref().map(|v| v.as_str())),
            accelerators: text(out.accelerators.as_ref().map(|v| v.as_str())),
            cache_id: out.cache_id,
            cache_behavior: text(out.cache_behavior.as_ref().map(|v| v.as_str())),
            networking_mode: text(out.networking_mode.as_ref().map(|v| v.as_str())),
            scratch_storage_mode: text(out.scratch_storage_mode.as_ref().map(|v| v.as_str())),
            configuration: out.configuration.map(|c| ConfigurationDetails {
                name: c.name,
                arn: c.arn,
                uuid: c.uuid,
            }),
            vpc_config: out.vpc_config.map(|v| VpcConfig {
                security_group_ids: v.security_group_ids,
                subnet_ids: v.subnet_ids,
                vpc_id: v.vpc_id,
                vpc_owner_account_id: v.vpc_owner_account_id,
            }),
            engine_settings: out.engine_settings.as_ref().map(document_to_json),
            session_policy: out.session_policy,
            tags: sorted(out.tags),
        }
    }
}

impl From<RunListItem> for RunSummary {
    fn from(item: RunListItem) -> Self {
        RunSummary {
            arn: item.arn,
            id: item.id,
            status: item.status.map(|s| RunStatus::from_api(s.as_str())),
            workflow_id: item.workflow_id,
            batch_id: item.batch_id,
            name: item.name,
            priority: item.priority,
            storage_capacity: item.storage_capacity,
            storage_type: text(item.storage_type.as_ref().map(|v| v.as_str())),
            creation_time: item.creation_time.as_ref().and_then(from_smithy),
            start_time: item.start_time.as_ref().and_then(from_smithy),
            stop_time: item.stop_time.as_ref().and_then(from_smithy),
            workflow_version_name: item.workflow_version_name,
            workflow_name: item.workflow_name,
        }
    }
}

impl From<TaskListItem> for Task {
    fn from(item: TaskListItem) -> Self {
        Task {
            task_id: item.task_id,
            uuid: item.uuid,
            status: item.status.map(|s| TaskStatus::from_api(s.as_str())),
            name: item.name,
            cpus: item.cpus,
            memory: item.memory,
            gpus: item.gpus,
            instance_type: item.instance_type,
            cache_hit: item.cache_hit,
            cache_s3_uri: item.cache_s3_uri,
            creation_time: item.creation_time.as_ref().and_then(from_smithy),
            start_time: item.start_time.as_ref().and_then(from_smithy),
            stop_time: item.stop_time.as_ref().and_then(from_smithy),
            ..Task::default()
        }
    }
}

impl From<GetRunTaskOutput> for Task {
    fn from(out: GetRunTaskOutput) -> Self {
        Task {
            task_id: out.task_id,
            uuid: out.uuid,
            status: out.status.map(|s| TaskStatus::from_api(s.as_str())),
            name: out.name,
            cpus: out.cpus,
            memory: out.memory,
            gpus: out.gpus,
            instance_type: out.instance_type,
            cache_hit: out.cache_hit,
            cache_s3_uri: out.cache_s3_uri,
            creation_time: out.creation_time.as_ref().and_then(from_smithy),
            start_time: out.start_time.as_ref().and_then(from_smithy),
            stop_time: out.stop_time.as_ref().and_then(from_smithy),
            status_message: out.status_message,
            log_stream: out.log_stream,
            failure_reason: out.failure_reason,
            image_details: out.image_details.map(|d| ImageDetails {
                image: d.image,
                image_digest: d.image_digest,
                source_image: d.source_image,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_become_json() {
        let doc = Document::Object(
            [
                ("n".to_string(), Document::Number(Number::PosInt(3))),
                ("f".to_string(), Document::Number(Number::Float(0.5))),
                (
                    "l".to_string(),
                    Document::Array(vec![Document::Bool(true), Document::Null]),
                ),
                ("s".to_string(), Document::String("x".into())),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(
            document_to_json(&doc),
            serde_json::json!({"n": 3, "f": 0.5, "l": [true, null], "s": "x"})
        );
        let text = serde_json::to_string(&document_to_json(&doc)).unwrap();
        assert_eq!(
            text, r#"{"f":0.5,"l":[true,null],"n":3,"s":"x"}"#,
            "keys in a stable order"
        );
    }
}
