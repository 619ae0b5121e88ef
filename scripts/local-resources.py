#!/usr/bin/env python3
"""Creates the enrichment's AWS resources in the local stack (moto). Idempotent: existing resources are kept.

- DynamoDB table RUNS_TABLE_NAME: pk `pk` (S), sk `sk` (S), on-demand, with the template's fleet indexes.
- DynamoDB table FLEET_TABLE_NAME: pk `pk` (S), sk `sk` (S), on-demand (day buckets, recent runs).
- DynamoDB table LIVE_TABLE_NAME: pk `pk` (S), sk `sk` (S), on-demand (live runs).
- S3 bucket REPORTS_BUCKET_NAME, versioned (a writer that loses a race removes its own object version).
- EventBridge bus EVENT_BUS_NAME.
- SQS queue `omics-introspect-run-enriched` behind a rule on that bus matching source `omics-introspect`,
  detail-type `Run Enriched`, so tests can read the events the enrichment publishes.
- CloudWatch Logs group LOG_GROUP_NAME (HealthOmics' own group in AWS).

Settings come from the environment, else from `.local/stack.env` (written by `make stack-up`); variables already
set win. Prints the created or found resources as JSON.

Usage: .venv/bin/python scripts/local-resources.py [--env-file .local/stack.env]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

import boto3
import yaml
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parent.parent
QUEUE_NAME = "omics-introspect-run-enriched"
RULE_NAME = "omics-introspect-run-enriched-to-sqs"
EVENT_PATTERN = {"source": ["omics-introspect"], "detail-type": ["Run Enriched"]}


def load_env_file(path: Path) -> None:
    """Reads `export NAME=value` lines into os.environ, never overriding a variable already set."""
    if not path.exists():
        return
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        name, sep, value = line.partition("=")
        if not sep:
            continue
        parts = shlex.split(value) if value else [""]
        os.environ.setdefault(name.strip(), parts[0] if parts else "")


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        sys.exit(f"local-resources: {name} is not set (run `make stack-up`, or source .local/stack.env)")
    return value


def client(service: str):
    # boto3 honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself.
    return boto3.client(service, region_name=os.environ.get("AWS_REGION", "us-east-1"))


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads template.yaml, keeping CloudFormation's short tags (!Ref, !Sub, ...) as plain values."""


def _any_tag(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_CloudFormationLoader.add_multi_constructor("!", _any_tag)


def table_definition(logical_id: str) -> dict:
    """A table's keys and global secondary indexes as template.yaml declares them (one source of truth)."""
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_CloudFormationLoader)
    props = template["Resources"][logical_id]["Properties"]
    definition = {"AttributeDefinitions": props["AttributeDefinitions"], "KeySchema": props["KeySchema"]}
    if props.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    return definition


def ensure_table(name: str, logical_id: str) -> str:
    ddb = client("dynamodb")
    definition = table_definition(logical_id)
    try:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **definition)
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        return "created"
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceInUseException":
            raise
    # A table created before an index was added to the template gets the missing indexes.
    existing = {i["IndexName"] for i in ddb.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])}
    missing = [i for i in definition.get("GlobalSecondaryIndexes", []) if i["IndexName"] not in existing]
    for index in missing:
        ddb.update_table(TableName=name, AttributeDefinitions=definition["AttributeDefinitions"],
                         GlobalSecondaryIndexUpdates=[{"Create": index}])
    return f"exists (+{len(missing)} index(es))" if missing else "exists"


def ensure_bucket(name: str) -> str:
    s3 = client("s3")
    state = "created"
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
        state = "exists"
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return state


def ensure_bus(name: str) -> str:
    events = client("events")
    if name == "default":
        return "exists"
    try:
        events.create_event_bus(Name=name)
        return "created"
    except ClientError as err:
        if err.response["Error"]["Code"] == "ResourceAlreadyExistsException":
            return "exists"
        raise


def ensure_queue_and_rule(bus: str) -> dict:
    sqs = client("sqs")
    queue_url = sqs.create_queue(QueueName=QUEUE_NAME)["QueueUrl"]  # idempotent with the same attributes
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = client("events")
    rule_arn = events.put_rule(
        Name=RULE_NAME, EventBusName=bus, EventPattern=json.dumps(EVENT_PATTERN), State="ENABLED"
    )["RuleArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "events",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    events.put_targets(Rule=RULE_NAME, EventBusName=bus, Targets=[{"Id": "run-enriched-queue", "Arn": queue_arn}])
    return {"queueUrl": queue_url, "queueArn": queue_arn, "rule": RULE_NAME, "ruleArn": rule_arn}


def ensure_log_group(name: str) -> str:
    logs = client("logs")
    try:
        logs.create_log_group(logGroupName=name)
        return "created"
    except ClientError as err:
        if err.response["Error"]["Code"] == "ResourceAlreadyExistsException":
            return "exists"
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-file", type=Path, default=ROOT / ".local" / "stack.env")
    args = parser.parse_args()
    load_env_file(args.env_file)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    if not (os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("MOTO_URL")):
        sys.exit("local-resources: no AWS_ENDPOINT_URL: refusing to create resources in a real AWS account")
    os.environ.setdefault("AWS_ENDPOINT_URL", os.environ.get("MOTO_URL", ""))

    table = required("RUNS_TABLE_NAME")
    fleet_table = required("FLEET_TABLE_NAME")
    live_table = required("LIVE_TABLE_NAME")
    bucket = required("REPORTS_BUCKET_NAME")
    bus = os.environ.get("EVENT_BUS_NAME", "").strip() or "default"
    log_group = os.environ.get("LOG_GROUP_NAME", "").strip() or "/aws/omics/WorkflowLog"
    result = {
        "table": {"name": table, "state": ensure_table(table, "RunsTable")},
        "fleetTable": {"name": fleet_table, "state": ensure_table(fleet_table, "FleetTable")},
        "liveTable": {"name": live_table, "state": ensure_table(live_table, "LiveTable")},
        "bucket": {"name": bucket, "state": ensure_bucket(bucket), "versioning": "Enabled"},
        "bus": {"name": bus, "state": ensure_bus(bus)},
        "queue": ensure_queue_and_rule(bus),
        "logGroup": {"name": log_group, "state": ensure_log_group(log_group)},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
