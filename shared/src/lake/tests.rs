//! The lake objects read back with the `parquet` crate's own reader: schema, row counts, row groups, and the
//! figures that must add up to the record's (compute cost, right-sizing savings).

use bytes::Bytes;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};

use super::*;
use crate::analysis::tests::{sample_run, task};
use crate::analysis::{Settings, analyze};
use crate::record::EnrichedRun;

fn analyzed() -> EnrichedRun {
    let mut run = sample_run();
    let analysis = analyze(&run, &Settings::default());
    run.head.cost = Some(analysis.cost);
    run.head.rightsizing = Some(analysis.rightsizing);
    run.head.diagnosis = analysis.diagnosis;
    // The fixture head has no summary (the enrichment builder computes it): the counts the run row reads.
    run.head.summary.counts_by_status.insert("FAILED".into(), 1);
    run.head.summary.task_count = run.tasks.len() as u64;
    run
}

fn rows(bytes: &[u8]) -> (SerializedFileReader<Bytes>, Vec<Row>) {
    let reader = SerializedFileReader::new(Bytes::from(bytes.to_vec())).expect("a Parquet file");
    let rows = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    (reader, rows)
}

fn field<'a>(row: &'a Row, name: &str) -> &'a Field {
    row.get_column_iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn float(row: &Row, name: &str) -> Option<f64> {
    match field(row, name) {
        Field::Double(v) => Some(*v),
        Field::Null => None,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn objects_hold_the_run_and_every_task_with_the_records_figures() {
    let run = analyzed();
    let prices = Settings::default().prices;
    let objects = build_objects(&run.head, &run.tasks, &prices, Some("germline-wf")).unwrap();
    assert_eq!(
        objects.run_key(),
        format!(
            "lake/runs/year=2024/month=01/day=01/run-1000001-{}.parquet",
            run.head.uuid
        )
    );
    assert_eq!(
        objects.tasks_key(),
        format!(
            "lake/tasks/year=2024/month=01/day=01/run-1000001-{}.parquet",
            run.head.uuid
        )
    );

    let (reader, runs) = rows(&objects.run.to_vec().unwrap());
    let names: Vec<&str> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name())
        .collect();
    let expected: Vec<&str> = RUN_COLUMNS.iter().map(|c| c.name).collect();
    assert_eq!(names, expected);
    assert_eq!(runs.len(), 1);
    let cost = run.head.cost.as_ref().unwrap();
    let sizing = run.head.rightsizing.as_ref().unwrap();
    assert_eq!(float(&runs[0], "compute_usd"), Some(cost.compute.usd));
    assert_eq!(float(&runs[0], "known_usd"), Some(cost.known_usd));
    assert_eq!(
        float(&runs[0], "known_savings_usd"),
        Some(sizing.known_savings_usd)
    );
    assert_eq!(
        field(&runs[0], "workflow_name"),
        &Field::Str("germline-wf".into())
    );
    assert_eq!(field(&runs[0], "status"), &Field::Str("FAILED".into()));
    assert_eq!(field(&runs[0], "failed_tasks"), &Field::Long(1));

    let (_, tasks) = rows(&objects.tasks.to_vec().unwrap());
    assert_eq!(tasks.len(), run.tasks.len());
    let compute: f64 = tasks.iter().filter_map(|t| float(t, "cost_usd")).sum();
    assert!(
        (compute - cost.compute.usd).abs() < 1e-4,
        "{compute} vs {}",
        cost.compute.usd
    );
    // Each task carries its share of its group's saving: the shares add up to the groups' known savings.
    let savings: f64 = tasks.iter().filter_map(|t| float(t, "savings_usd")).sum();
    assert!(
        (savings - sizing.known_savings_usd).abs() < 1e-4,
        "{savings} vs {}",
        sizing.known_savings_usd
    );
    let failed = tasks
        .iter()
        .find(|t| field(t, "task_id") == &Field::Str("6".into()))
        .unwrap();
    assert_eq!(
        field(failed, "failure_class"),
        &Field::Str("outOfMemory".into())
    );
    assert_eq!(field(failed, "base_name"), &Field::Str("MergeBams".into()));
    let cached = tasks
        .iter()
        .find(|t| field(t, "task_id") == &Field::Str("5".into()))
        .unwrap();
    assert_eq!(field(cached, "cache_hit"), &Field::Bool(true));
    assert_eq!(float(cached, "cost_usd"), Some(0.0));
}

#[test]
fn many_tasks_are_written_in_several_row_groups() {
    let run = analyzed();
    let count = ROW_GROUP_ROWS * 2 + 5;
    let tasks = (0..count).map(|i| {
        task(
            &i.to_string(),
            &format!("Shard-{i}"),
            "omics.c.large",
            90.0,
            (1.0, 2.0),
        )
    });
    let objects = build_objects(&run.head, tasks, &Settings::default().prices, None).unwrap();
    let (reader, rows) = rows(&objects.tasks.to_vec().unwrap());
    assert_eq!(reader.metadata().num_row_groups(), 3);
    assert_eq!(rows.len(), count);
    // 90 s on omics.c.large at 0.1148 USD/hour.
    assert_eq!(float(&rows[0], "cost_usd"), Some(0.00287));
}

#[test]
fn a_run_without_a_stop_time_is_filed_under_its_creation_date() {
    let mut run = analyzed();
    run.head.run.stop_time = None;
    assert_eq!(
        object_name(&run.head),
        format!(
            "year=2023/month=12/day=31/run-1000001-{}.parquet",
            run.head.uuid
        )
    );
    run.head.run.creation_time = None;
    assert!(object_name(&run.head).starts_with("year=2024/month=01/day=01/"));
}

#[test]
fn a_row_of_the_wrong_shape_is_an_error_not_a_panic() {
    let mut writer = TableWriter::new("runs", RUN_COLUMNS).unwrap();
    assert!(matches!(
        writer.push(vec![Value::Int(Some(1))]),
        Err(TableError::Shape { column: 1, .. })
    ));
    let mut row = run_row(&analyzed().head, None);
    row[0] = Value::Float(None);
    assert!(matches!(
        writer.push(row),
        Err(TableError::Shape { column: 0, .. })
    ));
}
