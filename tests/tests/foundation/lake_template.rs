//! Keeps the data lake, metrics and dashboard parts of `template.yaml` honest against the code, without AWS:
//!
//! - the Glue tables declare exactly the columns the lake writes ([`omics_introspect::lake::RUN_COLUMNS`],
//!   [`omics_introspect::lake::TASK_COLUMNS`], in order, with their Glue types), over the reports bucket's
//!   `lake/runs/` and `lake/tasks/` prefixes ([`omics_introspect::lake::RUNS_PREFIX`]), Parquet, partitioned by
//!   `year`/`month`/`day` with partition projection;
//! - the Athena named queries' SQL is the files of `sql/athena/`, byte for byte (trailing newline aside), so the
//!   queries the DuckDB test runs are the deployed ones;
//! - every function gets `METRICS_NAMESPACE` from the `MetricsNamespace` parameter, and the dashboard graphs the
//!   metric names `shared/src/metrics.rs` emits in that namespace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use omics_introspect::lake::{Column, RUN_COLUMNS, RUNS_PREFIX, TASK_COLUMNS, TASKS_PREFIX};
use omics_introspect::metrics::{NAMESPACE_VAR, RunFigures};
use serde_yaml_ng::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    serde_yaml_ng::from_str(&text).expect("template.yaml parses")
}

/// The value under a short-form tag (`!Sub x` is `x`), or the value itself.
fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => &tagged.value,
        other => other,
    }
}

fn at<'a>(value: &'a Value, keys: &[&str]) -> &'a Value {
    keys.iter().fold(value, |v, k| {
        untag(v)
            .as_mapping()
            .and_then(|m| m.get(*k))
            .unwrap_or_else(|| panic!("no {k} in {keys:?}"))
    })
}

fn text(value: &Value) -> String {
    match untag(value) {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn resources_of_type(doc: &Value, kind: &str) -> BTreeMap<String, Value> {
    untag(at(doc, &["Resources"]))
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| text(at(r, &["Type"])) == kind)
        .map(|(id, r)| (text(id), r.clone()))
        .collect()
}

fn check_table(doc: &Value, name: &str, prefix: &str, columns: &[Column]) {
    let tables = resources_of_type(doc, "AWS::Glue::Table");
    let table = tables
        .values()
        .find(|t| text(at(t, &["Properties", "TableInput", "Name"])) == name)
        .unwrap_or_else(|| panic!("no Glue table {name}"));
    let input = at(table, &["Properties", "TableInput"]);
    let declared: Vec<(String, String)> = at(input, &["StorageDescriptor", "Columns"])
        .as_sequence()
        .expect("Columns")
        .iter()
        .map(|c| (text(at(c, &["Name"])), text(at(c, &["Type"]))))
        .collect();
    let written: Vec<(String, String)> = columns
        .iter()
        .map(|c| (c.name.to_owned(), c.kind.glue_type().to_owned()))
        .collect();
    assert_eq!(
        declared, written,
        "{name}: Glue columns vs. shared/src/lake/rows.rs"
    );

    let partitions: Vec<String> = at(input, &["PartitionKeys"])
        .as_sequence()
        .expect("PartitionKeys")
        .iter()
        .map(|p| text(at(p, &["Name"])))
        .collect();
    assert_eq!(partitions, ["year", "month", "day"], "{name}");
    let parameters = at(input, &["Parameters"]);
    assert_eq!(text(at(parameters, &["projection.enabled"])), "true");
    for key in ["year", "month", "day"] {
        assert_eq!(
            text(at(parameters, &[&format!("projection.{key}.type")])),
            "integer"
        );
    }
    let location = text(at(input, &["StorageDescriptor", "Location"]));
    assert_eq!(
        location,
        format!("s3://${{ReportsBucket}}/{prefix}"),
        "{name}"
    );
    assert_eq!(
        text(at(parameters, &["storage.location.template"])),
        format!("s3://${{ReportsBucket}}/{prefix}year=${{!year}}/month=${{!month}}/day=${{!day}}/"),
        "{name}: the key layout of omics_introspect::lake::object_name"
    );
    assert!(
        text(at(
            input,
            &["StorageDescriptor", "SerdeInfo", "SerializationLibrary"]
        ))
        .ends_with("ParquetHiveSerDe")
    );
}

#[test]
fn glue_tables_declare_the_columns_the_lake_writes() {
    let doc = template();
    check_table(&doc, "runs", RUNS_PREFIX, RUN_COLUMNS);
    check_table(&doc, "tasks", TASKS_PREFIX, TASK_COLUMNS);
}

#[test]
fn named_queries_are_the_sql_files() {
    let doc = template();
    let queries = resources_of_type(&doc, "AWS::Athena::NamedQuery");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("sql/athena"))
        .expect("sql/athena")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    assert_eq!(queries.len(), files.len(), "one named query per SQL file");
    for file in &files {
        let sql = std::fs::read_to_string(file).expect("sql");
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let query = queries
            .values()
            .find(|q| text(at(q, &["Properties", "Description"])).contains(name))
            .unwrap_or_else(|| panic!("no named query describes {name}"));
        assert_eq!(
            text(at(query, &["Properties", "QueryString"])).trim_end(),
            sql.trim_end(),
            "{name}: template.yaml's SQL drifted from the file"
        );
        // Unqualified table names: the named query's Database is the lake database.
        assert_eq!(
            serde_yaml_ng::to_string(at(query, &["Properties", "Database"]))
                .unwrap()
                .trim(),
            "!Ref LakeDatabase"
        );
    }
}

#[test]
fn functions_get_the_metrics_namespace_and_the_dashboard_graphs_the_emitted_metrics() {
    let doc = template();
    let variable = at(
        &doc,
        &[
            "Globals",
            "Function",
            "Environment",
            "Variables",
            NAMESPACE_VAR,
        ],
    );
    assert_eq!(
        serde_yaml_ng::to_string(variable).unwrap().trim(),
        "!Ref MetricsNamespace"
    );
    let dashboards = resources_of_type(&doc, "AWS::CloudWatch::Dashboard");
    let body = text(at(
        dashboards.values().next().expect("a dashboard"),
        &["Properties", "DashboardBody"],
    ));
    let figures = RunFigures {
        workflow_id: "w".into(),
        status: "COMPLETED".into(),
        cost_usd: Some(1.0),
        waste_usd: Some(1.0),
        wall_seconds: Some(1.0),
        task_hours: 1.0,
        failed_tasks: 1,
        cached_tasks: 0,
    };
    let emitted: Vec<&str> = figures.line().metrics.iter().map(|m| m.0).collect();
    for metric in ["RunCostUSD", "WasteUSD", "FailedTasks"] {
        assert!(
            emitted.contains(&metric),
            "metrics.rs no longer emits {metric}"
        );
        assert!(
            body.contains(&format!("MetricName=\\\"{metric}\\\"")),
            "{metric}"
        );
    }
    assert!(body.contains("{${MetricsNamespace},WorkflowId,Status}"));
    assert!(body.contains("MetricName=\\\"ColdStart\\\""));
    assert!(body.contains("\"FunctionName\", \"${EnrichRunFunction}\""));
    assert!(body.contains("\"QueueName\", \"${EnrichDeadLetterQueue.QueueName}\""));
    // The body is JSON once CloudFormation substitutes it (`${!x}` is a literal `${x}`).
    let mut json = String::new();
    let mut rest = body.as_str();
    while let Some(start) = rest.find("${") {
        json.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        json.push('X');
        rest = &rest[end..];
    }
    json.push_str(rest);
    serde_json::from_str::<serde_json::Value>(&json).expect("the dashboard body is JSON");
}
