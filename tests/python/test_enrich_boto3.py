"""enrich-run as a black box: the built binary handles each sample event (`enrich-run invoke --event ...`, the same
code path as the Lambda handler) against the shared local stack, and boto3 reads back what it stored: the DynamoDB
item, the gzip JSON object in S3, and the `Run Enriched` event delivered by the EventBridge rule to SQS.

Runs against the shared stack (`.local/stack.env`, sourced by `make test`) and its fixture runs 1000001-1000006. It
deletes and rebuilds only the records of those runs.
"""

import gzip
import json
import os
import subprocess
import time
from pathlib import Path

import boto3
import pytest
from conftest import require_env

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "omics-introspect-run-enriched"

FINISHED = [
    # event file, run id, uuid, status, tasks, manifestComplete
    ("run-status-completed.json", "1000001", "3f8a2c1e-6b7d-4e9f-8a0b-1c2d3e4f5a6b", "COMPLETED", 31, True),
    ("run-status-failed.json", "1000002", "b7c41d09-2e5f-4a83-9d6c-0f1e2a3b4c5d", "FAILED", 10, False),
    ("run-status-cancelled.json", "1000003", "c93e5f7a-1d2b-4c6e-a8f0-7b9d1e3f5a2c", "CANCELLED", 4, True),
    ("run-status-completed-nextflow.json", "1000004", "1a2b3c4d-5e6f-4a7b-8c0d-1e2f3a4b5c6d", "COMPLETED", 13, True),
    ("run-status-completed-legacy.json", "1000006", "5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c37", "COMPLETED", 250, True),
]


@pytest.fixture(scope="module")
def aws():
    return {name: boto3.client(name) for name in ("dynamodb", "s3", "sqs")}


def invoke(binary: Path, event: str) -> dict:
    env = dict(os.environ, MANIFEST_WAIT_SECONDS="3", RUST_LOG="warn")
    done = subprocess.run([str(binary), "invoke", "--event", str(ROOT / "events" / event)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def item(aws, run_id: str, uuid: str):
    return aws["dynamodb"].get_item(TableName=os.environ["RUNS_TABLE_NAME"], ConsistentRead=True,
                                    Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": uuid}}).get("Item")


def versions(aws, key: str) -> list:
    out = aws["s3"].list_object_versions(Bucket=os.environ["REPORTS_BUCKET_NAME"], Prefix=key)
    return [v for v in out.get("Versions", []) if v["Key"] == key]


def clear(aws, run_id: str, uuid: str) -> None:
    aws["dynamodb"].delete_item(TableName=os.environ["RUNS_TABLE_NAME"],
                                Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": uuid}})
    key = f"runs/{run_id}/{uuid}/report.json.gz"
    for version in versions(aws, key):
        aws["s3"].delete_object(Bucket=os.environ["REPORTS_BUCKET_NAME"], Key=key, VersionId=version["VersionId"])


def enriched_events(aws, wanted: set, timeout: float = 15.0) -> dict:
    """Reads the queue until a `Run Enriched` event arrived for every (runId, uuid) in `wanted`."""
    url = aws["sqs"].get_queue_url(QueueName=QUEUE)["QueueUrl"]
    found = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not wanted.issubset(found):
        messages = aws["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", [])
        for message in messages:
            event = json.loads(message["Body"])
            detail = event.get("detail", {})
            found[(detail.get("runId"), detail.get("uuid"))] = event
            aws["sqs"].delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_sample_events_store_records_and_announce_them(binary, aws):
    for _, run_id, uuid, *_ in FINISHED:
        clear(aws, run_id, uuid)
    for event, run_id, uuid, status, tasks, complete in FINISHED:
        answer = invoke(binary, event)
        assert answer["outcome"] == "written", answer
        stored = item(aws, run_id, uuid)
        assert stored, f"{event}: no item"
        assert stored["status"]["S"] == status
        assert int(stored["taskCount"]["N"]) == tasks
        assert stored["manifestComplete"]["BOOL"] is complete
        assert stored["eventPublished"]["BOOL"] is True
        key = stored["reportKey"]["S"]
        assert key == f"runs/{run_id}/{uuid}/report.json.gz"
        obj = aws["s3"].get_object(Bucket=stored["reportBucket"]["S"], Key=key,
                                   VersionId=stored["reportVersionId"]["S"])
        assert obj["ContentType"] == "application/json" and obj["ContentEncoding"] == "gzip"
        assert obj["Metadata"]["report-sha256"] == stored["reportSha256"]["S"]
        record = json.loads(gzip.decompress(obj["Body"].read()))
        assert record["schemaVersion"] == 1
        assert (record["runId"], record["uuid"], record["status"]) == (run_id, uuid, status)
        assert len(record["tasks"]) == tasks
        assert record["manifestComplete"] is complete
        assert record["enrichedAt"] == stored["stopTime"]["S"]

    events = enriched_events(aws, {(run_id, uuid) for _, run_id, uuid, *_ in FINISHED})
    for _, run_id, uuid, status, tasks, _ in FINISHED:
        event = events.get((run_id, uuid))
        assert event, f"no Run Enriched event for {run_id}"
        assert event["source"] == "omics-introspect" and event["detail-type"] == "Run Enriched"
        detail = event["detail"]
        assert detail["status"] == status and detail["taskCount"] == tasks
        assert detail["report"]["uri"] == f"s3://{os.environ['REPORTS_BUCKET_NAME']}/runs/{run_id}/{uuid}/report.json.gz"


def test_duplicates_and_other_events_write_nothing(binary, aws):
    event, run_id, uuid, *_ = FINISHED[0]
    if not item(aws, run_id, uuid):
        assert invoke(binary, event)["outcome"] == "written"
    before = item(aws, run_id, uuid)
    for _ in range(3):
        assert invoke(binary, event)["outcome"] == "unchanged"
    assert item(aws, run_id, uuid) == before
    assert len(versions(aws, before["reportKey"]["S"])) == 1

    for ignored in ("run-status-running.json", "task-status-change.json"):
        assert invoke(binary, ignored)["outcome"] == "ignored"
    assert item(aws, "1000005", "e4d5c6b7-a809-4b1c-9d2e-3f4a5b6c7d8e") is None
