"""The data lake read back with DuckDB: enrich-run (the built binary, `enrich-run invoke --event ...`) stores the
sample runs against the local stack; boto3 downloads their Parquet objects from moto S3 into a temporary directory,
keeping the Hive layout (`lake/runs/year=/month=/day=/...`); DuckDB (embedded) exposes them as the views `runs` and
`tasks`, and runs every file of `sql/athena/` unchanged, exactly as Athena runs them over the Glue tables of the
same names. Their totals must equal the sums of the stored reports' figures (`GET /fleet/summary` sums the same
figures over the same runs).

DuckDB's httpfs extension is downloaded at run time, which this environment cannot do; downloading the objects
first reads exactly the same bytes.

Also checks enrich-run's stdout: the cold-start and per-enrichment CloudWatch Embedded Metric Format lines.
"""

import gzip
import json
import math
import os
import subprocess
from collections import defaultdict
from pathlib import Path

import boto3
import duckdb
import pytest
from conftest import require_env

ROOT = Path(__file__).resolve().parents[2]
SQL = ROOT / "sql" / "athena"

RUNS = [
    # event file, run id, uuid
    ("run-status-completed.json", "1000001", "3f8a2c1e-6b7d-4e9f-8a0b-1c2d3e4f5a6b"),
    ("run-status-failed.json", "1000002", "b7c41d09-2e5f-4a83-9d6c-0f1e2a3b4c5d"),
    ("run-status-cancelled.json", "1000003", "c93e5f7a-1d2b-4c6e-a8f0-7b9d1e3f5a2c"),
    ("run-status-completed-nextflow.json", "1000004", "1a2b3c4d-5e6f-4a7b-8c0d-1e2f3a4b5c6d"),
    ("run-status-completed-legacy.json", "1000006", "5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c37"),
]


@pytest.fixture(scope="module")
def s3():
    return boto3.client("s3")


def clear(run_id: str, uuid: str) -> None:
    """Removes the stored item and report so the next enrichment writes (and emits its metrics) again."""
    boto3.client("dynamodb").delete_item(TableName=require_env("RUNS_TABLE_NAME"),
                                         Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": uuid}})
    s3 = boto3.client("s3")
    bucket = require_env("REPORTS_BUCKET_NAME")
    key = f"runs/{run_id}/{uuid}/report.json.gz"
    for version in s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", []):
        if version["Key"] == key:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])


def invoke(binary: Path, event: str) -> list:
    """Handles one event; answers every JSON line enrich-run printed on stdout (the answer is the last)."""
    env = dict(os.environ, MANIFEST_WAIT_SECONDS="3", RUST_LOG="warn", METRICS_NAMESPACE="LakeTest")
    done = subprocess.run([str(binary), "invoke", "--event", str(ROOT / "events" / event)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def enriched(binary):
    """Enriches every sample run from scratch; answers {event: stdout JSON lines}."""
    out = {}
    for event, run_id, uuid in RUNS:
        clear(run_id, uuid)
        lines = invoke(binary, event)
        assert lines[-1]["outcome"] == "written", lines[-1]
        out[event] = lines
    return out


@pytest.fixture(scope="module")
def lake(enriched, s3, tmp_path_factory) -> Path:
    """The sample runs' lake objects, downloaded with their keys (Hive layout kept)."""
    root = tmp_path_factory.mktemp("lake")
    bucket = require_env("REPORTS_BUCKET_NAME")
    names = {f"run-{run_id}-{uuid}.parquet" for _, run_id, uuid in RUNS}
    found = defaultdict(int)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="lake/"):
        for obj in page.get("Contents", []):
            name = obj["Key"].rsplit("/", 1)[-1]
            if name in names:
                target = root / obj["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, obj["Key"], str(target))
                found[obj["Key"].split("/")[1]] += 1
    assert found == {"runs": len(RUNS), "tasks": len(RUNS)}, found
    return root


@pytest.fixture(scope="module")
def reports(enriched, s3) -> list:
    """The stored records of the sample runs."""
    bucket = require_env("REPORTS_BUCKET_NAME")
    out = []
    for _, run_id, uuid in RUNS:
        body = s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/{uuid}/report.json.gz")["Body"].read()
        out.append(json.loads(gzip.decompress(body)))
    return out


def expected_sums(reports: list) -> dict:
    """What the lake queries must add up to: the sums of the stored reports' figures."""
    return {
        "runs": len(reports),
        "known_usd": sum(r["cost"]["knownUsd"] for r in reports),
        "compute_usd": sum(r["cost"]["compute"]["usd"] for r in reports),
        "savings_usd": sum(r["rightsizing"]["knownSavingsUsd"] for r in reports),
        "failed_tasks": sum(r["summary"]["countsByStatus"].get("FAILED", 0) for r in reports),
        "tasks": sum(len(r["tasks"]) for r in reports),
    }


def query(lake: Path, name: str) -> list:
    """Runs sql/athena/<name> unchanged over views named like the Glue tables; answers rows as dicts."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in ("runs", "tasks"):
        files = (lake / "lake" / table).as_posix() + "/**/*.parquet"
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
    cursor = con.execute((SQL / name).read_text())
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-3)


def test_the_sql_folder_holds_the_three_named_queries():
    assert sorted(p.name for p in SQL.glob("*.sql")) == [
        "cost_by_workflow_by_month.sql", "failure_classes_by_week.sql", "top_wasted_usd_by_task_group.sql"]


def test_cost_by_workflow_by_month_adds_up_to_the_reports(lake, reports):
    rows = query(lake, "cost_by_workflow_by_month.sql")
    want = expected_sums(reports)
    assert sum(r["runs"] for r in rows) == want["runs"]
    assert close(sum(r["known_usd"] for r in rows), want["known_usd"])
    assert close(sum(r["compute_usd"] for r in rows), want["compute_usd"])
    assert close(sum(r["savings_usd"] for r in rows), want["savings_usd"])
    # Per workflow too: the grouping key is the record's workflow id.
    by_workflow = defaultdict(float)
    for report in reports:
        by_workflow[report["run"].get("workflowId")] += report["cost"]["knownUsd"]
    got = defaultdict(float)
    for row in rows:
        got[row["workflow_id"]] += row["known_usd"]
    assert got.keys() == by_workflow.keys()
    for workflow, usd in by_workflow.items():
        assert close(got[workflow], usd), workflow
    assert want["known_usd"] > 0, "the sample runs are priced"


def test_top_wasted_usd_by_task_group_adds_up_to_the_reports_savings(lake, reports):
    rows = query(lake, "top_wasted_usd_by_task_group.sql")
    assert len(rows) < 100, "the LIMIT cut groups off: the total below would not be complete"
    want = expected_sums(reports)
    assert close(sum(r["wasted_usd"] for r in rows), want["savings_usd"])
    wasted = [r["wasted_usd"] for r in rows]
    assert wasted == sorted(wasted, reverse=True)
    # Each group's total equals the record's own group saving.
    groups = defaultdict(float)  # a group of cached tasks only has no recommendation, and saves 0
    for report in reports:
        for group in report["rightsizing"]["groups"]:
            if group.get("savingsUsd") is not None:
                groups[(report["run"].get("workflowId"), group["baseName"])] += group["savingsUsd"]
    for row in rows:
        assert close(row["wasted_usd"], groups[(row["workflow_id"], row["base_name"])]), row


def test_failure_classes_by_week_count_every_failed_task(lake, reports):
    rows = query(lake, "failure_classes_by_week.sql")
    want = expected_sums(reports)
    assert want["failed_tasks"] > 0, "a sample run has failed tasks"
    assert sum(r["failed_tasks"] for r in rows) == want["failed_tasks"]
    diagnosed = {t["class"] for r in reports if r.get("diagnosis") for t in r["diagnosis"]["tasks"]}
    assert diagnosed <= {r["failure_class"] for r in rows}


def test_the_tasks_table_holds_every_task_with_the_partition_columns(lake, reports):
    con = duckdb.connect()
    files = (lake / "lake" / "tasks").as_posix() + "/**/*.parquet"
    count, compute, years = con.execute(
        f"SELECT count(*), sum(cost_usd), count(DISTINCT year) FROM read_parquet('{files}', hive_partitioning = true)"
    ).fetchone()
    want = expected_sums(reports)
    assert count == want["tasks"]
    assert close(compute, want["compute_usd"])
    assert years >= 1


def test_enrich_run_prints_emf_lines(enriched, reports):
    for (event, run_id, _), report in zip(RUNS, reports):
        lines = enriched[event]
        cold = [line for line in lines if "ColdStart" in line]
        assert len(cold) == 1 and cold[0]["Function"] == "enrich-run", event
        metrics = [line for line in lines if "RunCostUSD" in line]
        assert len(metrics) == 1, event
        emf = metrics[0]
        directive = emf["_aws"]["CloudWatchMetrics"][0]
        assert directive["Namespace"] == "LakeTest"
        assert directive["Dimensions"] == [["WorkflowId", "Status"]]
        assert emf["Status"] == report["status"]
        assert emf["WorkflowId"] == report["run"].get("workflowId", "unknown")
        assert close(emf["RunCostUSD"], report["cost"]["knownUsd"])
        assert close(emf["WasteUSD"], report["rightsizing"]["knownSavingsUsd"])
        assert emf["FailedTasks"] == report["summary"]["countsByStatus"].get("FAILED", 0)
        assert emf["CachedTasks"] == report["summary"]["cacheHits"]
        for metric in directive["Metrics"]:
            assert isinstance(emf[metric["Name"]], (int, float)), metric
