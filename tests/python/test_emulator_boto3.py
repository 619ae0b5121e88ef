"""boto3 against the local HealthOmics emulator: the wire protocol must satisfy the real Python SDK.

Runs against the shared stack emulator (`OMICS_EMULATOR_URL`, set by `.local/stack.env`, which `make test`
sources). The test seeds its own runs with ids 91000000xx so it does not disturb the repository fixtures or other
tests, and it never sets faults: the emulator is shared. Fault behaviour is covered by the Rust tests, which
start their own emulator.
"""

import json
import os
import urllib.error
import urllib.request
from datetime import datetime, timezone

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

RUN_ID = "9100000001"
FAILED_RUN_ID = "9100000002"
OLDER_RUN_ID = "9100000003"
NAME_PREFIX = "pytest-emu-boto3-"
TASK_COUNT = 250
FIRST_TASK_ID = 9100500001


def _url() -> str:
    url = os.environ.get("OMICS_EMULATOR_URL")
    if not url:
        pytest.fail("OMICS_EMULATOR_URL is not set: run the tests through `make test`, which starts the local "
                    "stack and sources .local/stack.env")
    return url.rstrip("/")


def _post(path: str, body: dict) -> dict:
    request = urllib.request.Request(_url() + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def _raw_get(path: str):
    """GET returning (status, headers, parsed body) for error responses too."""
    try:
        with urllib.request.urlopen(_url() + path, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read())


def _run_body(run_id: str, name: str, status: str, created: str) -> dict:
    return {
        "arn": f"arn:aws:omics:us-east-1:123456789012:run/{run_id}",
        "id": run_id,
        "uuid": f"0b6a1c4e-0000-4000-8000-{run_id[-12:]}",
        "name": name,
        "status": status,
        "workflowId": "4974161",
        "workflowType": "PRIVATE",
        "workflowOwnerId": "123456789012",
        "workflowVersionName": "1.2.0",
        "workflowUuid": "a11e2f0c-0000-4000-8000-000000000001",
        "engineVersion": "23.10.1",
        "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "resourceDigests": {"s3://bucket/ref.fa": "etag:abc"},
        "parameters": {"input": "s3://bucket/in.bam", "threads": 4, "nested": {"flag": True}},
        "priority": 10,
        "storageCapacity": 1200,
        "storageType": "STATIC",
        "outputUri": "s3://bucket/out/",
        "runOutputUri": f"s3://bucket/out/{run_id}",
        "roleArn": "arn:aws:iam::123456789012:role/OmicsRun",
        "runGroupId": "9100000900",
        "startedBy": "arn:aws:sts::123456789012:assumed-role/dev/session",
        "creationTime": created,
        "startTime": "2024-10-20T05:45:00Z",
        "stopTime": "2024-10-20T07:02:53.123Z",
        "logLevel": "ALL",
        "logLocation": {
            "engineLogStream": f"run/{run_id}/engine",
            "runLogStream": f"run/{run_id}",
        },
        "retentionMode": "RETAIN",
        "tags": {"project": "omics-introspect"},
    }


def _task_body(index: int) -> dict:
    task_id = str(FIRST_TASK_ID + index)
    return {
        "taskId": task_id,
        "status": "FAILED" if index % 50 == 49 else "COMPLETED",
        "name": f"ALIGN ({index})",
        "cpus": 4,
        "memory": 8,
        "gpus": 0,
        "instanceType": "omics.c.xlarge",
        "cacheHit": False,
        "creationTime": "2024-10-20T05:50:00.250Z",
        "startTime": "2024-10-20T05:51:00Z",
        "stopTime": "2024-10-20T06:01:30.500Z",
        "logStream": f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/omics/WorkflowLog:log-stream:run/{RUN_ID}/task/{task_id}",
        "imageDetails": {"image": "public.ecr.aws/biocontainers/bwa:0.7.17", "imageDigest": "sha256:beef"},
        "uuid": f"7f3e0000-0000-4000-8000-{index:012d}",
    }


TASKS = [_task_body(i) for i in range(TASK_COUNT)]
RUN = _run_body(RUN_ID, NAME_PREFIX + "main", "COMPLETED", "2024-10-20T05:43:35.516Z")
FAILED_RUN = _run_body(FAILED_RUN_ID, NAME_PREFIX + "failed", "FAILED", "2024-10-21T00:00:00Z")
OLDER_RUN = _run_body(OLDER_RUN_ID, NAME_PREFIX + "older", "COMPLETED", "2024-10-19T00:00:00.000Z")


@pytest.fixture(scope="module")
def client():
    summary = _post("/_emulator/runs", {"run": RUN, "tasks": TASKS})
    assert summary == {"runId": RUN_ID, "uuid": RUN["uuid"], "tasks": TASK_COUNT, "manifestEvents": 0}
    _post("/_emulator/runs", {"run": FAILED_RUN})
    _post("/_emulator/runs", {"run": OLDER_RUN, "tasks": []})
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    credentials = {}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        # The emulator accepts any signature; boto3 only needs something to sign with.
        credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    # inject_host_prefix=False does what AWS_DISABLE_HOST_PREFIX_INJECTION=true does, without relying on it.
    return boto3.client("omics", endpoint_url=_url(), region_name=region,
                        config=Config(inject_host_prefix=False, retries={"mode": "standard", "max_attempts": 3}),
                        **credentials)


def _as_wire(value):
    """Datetimes as parsed by boto3, back to comparable UTC datetimes."""
    return value.astimezone(timezone.utc) if isinstance(value, datetime) else value


def _parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_list_run_tasks_paginates_250_tasks_in_3_pages(client):
    pages = list(client.get_paginator("list_run_tasks").paginate(id=RUN_ID, PaginationConfig={"PageSize": 100}))
    assert [len(page["items"]) for page in pages] == [100, 100, 50]
    assert "nextToken" in pages[0] and "nextToken" in pages[1] and "nextToken" not in pages[2]
    task_ids = [item["taskId"] for page in pages for item in page["items"]]
    assert len(set(task_ids)) == TASK_COUNT
    assert task_ids == [task["taskId"] for task in TASKS]
    first = pages[0]["items"][0]
    # TaskListItem members only, datetimes parsed.
    assert "logStream" not in first and "imageDetails" not in first
    assert first["creationTime"] == _parse_ts(TASKS[0]["creationTime"])
    assert first["cpus"] == 4 and first["memory"] == 8 and first["instanceType"] == "omics.c.xlarge"


def test_list_run_tasks_status_filter(client):
    pages = client.get_paginator("list_run_tasks").paginate(
        id=RUN_ID, status="FAILED", PaginationConfig={"PageSize": 2})
    failed = [item["taskId"] for page in pages for item in page["items"]]
    assert failed == [task["taskId"] for task in TASKS if task["status"] == "FAILED"]
    assert len(failed) == 5


def test_get_run_returns_every_seeded_member(client):
    response = client.get_run(id=RUN_ID)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ResponseMetadata"]["RequestId"]
    for key, expected in RUN.items():
        assert key in response, key
        if key.endswith("Time"):
            assert isinstance(response[key], datetime), key
            assert _as_wire(response[key]) == _parse_ts(expected), key
        else:
            assert response[key] == expected, key
    assert set(response) - {"ResponseMetadata"} == set(RUN)


def test_get_run_task(client):
    task = TASKS[137]
    response = client.get_run_task(id=RUN_ID, taskId=task["taskId"])
    for key, expected in task.items():
        if key.endswith("Time"):
            assert _as_wire(response[key]) == _parse_ts(expected), key
        else:
            assert response[key] == expected, key


def test_list_runs_status_filter_and_order(client):
    pages = client.get_paginator("list_runs").paginate(name=NAME_PREFIX, PaginationConfig={"PageSize": 1})
    ids = [item["id"] for page in pages for item in page["items"]]
    # Newest creationTime first.
    assert ids == [FAILED_RUN_ID, RUN_ID, OLDER_RUN_ID]

    failed = client.list_runs(status="FAILED", name=NAME_PREFIX)["items"]
    assert [item["id"] for item in failed] == [FAILED_RUN_ID]
    item = failed[0]
    assert item["status"] == "FAILED" and item["storageType"] == "STATIC" and item["priority"] == 10
    assert isinstance(item["creationTime"], datetime)
    # RunListItem members only.
    assert "outputUri" not in item and "parameters" not in item

    completed = client.list_runs(status="COMPLETED", name=NAME_PREFIX)["items"]
    assert [item["id"] for item in completed] == [RUN_ID, OLDER_RUN_ID]


def test_unknown_run_and_task_are_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_run(id="9199999999")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_run_tasks(id="9199999999")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_run_task(id=RUN_ID, taskId="9199999999")


def test_max_results_bounds(client):
    # botocore enforces the model's minimum client-side; the server rejects it too.
    with pytest.raises((ParamValidationError, client.exceptions.ValidationException)):
        client.list_run_tasks(id=RUN_ID, maxResults=0)
    with pytest.raises(client.exceptions.ValidationException):
        client.list_run_tasks(id=RUN_ID, maxResults=101)
    with pytest.raises(client.exceptions.ValidationException):
        client.list_runs(maxResults=101)

    for path in (f"/run/{RUN_ID}/task?maxResults=101", f"/run/{RUN_ID}/task?maxResults=0", "/run?maxResults=abc"):
        status, headers, body = _raw_get(path)
        assert status == 400, path
        assert headers["x-amzn-ErrorType"] == "ValidationException", path
        assert headers["Content-Type"] == "application/json"
        assert headers["x-amzn-RequestId"]
        assert body["message"], path


def test_bad_ids_and_tokens_are_validation_errors(client):
    with pytest.raises(client.exceptions.ValidationException):
        client.get_run(id="abc")
    with pytest.raises(client.exceptions.ValidationException):
        client.get_run(id="1234567890123456789")
    with pytest.raises(client.exceptions.ValidationException):
        client.get_run_task(id=RUN_ID, taskId="x1")
    with pytest.raises(client.exceptions.ValidationException):
        client.list_runs(runGroupId="group")
    with pytest.raises(client.exceptions.ValidationException):
        client.list_run_tasks(id=RUN_ID, startingToken="not-a-token")
    with pytest.raises(ClientError) as err:
        client.list_runs(status="DONE")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
