#!/usr/bin/env python3
"""Refreshes shared/data/prices.json from the AWS Price List API (`make refresh-prices`).

Calls GetProducts (ServiceCode AmazonOmics) on the pricing endpoint in us-east-1, keeps the on-demand price of
every omics instance type (`resourceType` omics.*, USD per instance-hour) and of 'Run Storage' / 'Dynamic Run
Storage' (USD per GB-hour), by `regionCode`, and writes the table the analysis module bundles. Needs AWS
credentials allowed `pricing:GetProducts`; the local stack cannot answer it (moto has no AmazonOmics offer), so
this runs against AWS only.

    scripts/refresh-prices.py                       # every region, writes shared/data/prices.json
    scripts/refresh-prices.py --regions us-east-1,us-west-2 --out /tmp/prices.json
    scripts/refresh-prices.py --from-file dump.jsonl   # parse saved PriceList items (one JSON per line), offline
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import sys

SERVICE_CODE = "AmazonOmics"
PRICING_REGION = "us-east-1"
STORAGE = ("Run Storage", "Dynamic Run Storage")
SOURCE = "pricing-api"
ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "shared" / "data" / "prices.json"


def wanted(resource: str) -> bool:
    """Instance types and run storage; not ephemeral storage, stores or Ready2Run products."""
    return resource.startswith("omics.") or resource in STORAGE


def parse_item(item: str | dict) -> tuple[str, str, dict] | None:
    """(region, resource, price entry) of one PriceList item, or None when it is not a run price."""
    entry = json.loads(item) if isinstance(item, str) else item
    attributes = entry.get("product", {}).get("attributes", {})
    resource = attributes.get("resourceType")
    region = attributes.get("regionCode")
    if not resource or not region or not wanted(resource):
        return None
    for term in entry.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = dimension.get("pricePerUnit", {}).get("USD")
            if usd is None:
                continue
            price = float(usd)
            if price < 0:
                continue
            date = (term.get("effectiveDate") or entry.get("publicationDate") or "")[:10]
            return region, resource, {
                "usd": price,
                "unit": dimension.get("unit"),
                "source": SOURCE,
                "date": date or datetime.date.today().isoformat(),
            }
    return None


def build_table(items, regions: set[str] | None) -> dict:
    """The prices.json document from PriceList items."""
    table: dict[str, dict[str, dict]] = {}
    for item in items:
        parsed = parse_item(item)
        if parsed is None:
            continue
        region, resource, price = parsed
        if regions and region not in regions:
            continue
        table.setdefault(region, {})[resource] = price
    today = datetime.date.today().isoformat()
    return {
        "schemaVersion": 1,
        "currency": "USD",
        "description": "AWS HealthOmics on-demand prices by region and resource, from the AWS Price List API "
        "(GetProducts, ServiceCode AmazonOmics): instance types in USD per instance-hour, 'Run Storage' "
        "(STATIC) and 'Dynamic Run Storage' in USD per GiB-hour.",
        "retrieved": today,
        "sources": {
            SOURCE: {
                "title": f"AWS Price List API, GetProducts ServiceCode {SERVICE_CODE}, read {today}",
                "url": "https://aws.amazon.com/healthomics/pricing/",
            }
        },
        "regions": {r: dict(sorted(table[r].items())) for r in sorted(table)},
    }


def fetch(regions: set[str] | None):
    """PriceList items from the API (boto3)."""
    import boto3  # imported here so --from-file works without boto3

    client = boto3.client("pricing", region_name=PRICING_REGION)
    paginator = client.get_paginator("get_products")
    filters_list = [[]] if not regions else [
        [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": r}] for r in sorted(regions)
    ]
    for filters in filters_list:
        for page in paginator.paginate(ServiceCode=SERVICE_CODE, Filters=filters):
            yield from page["PriceList"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", help="comma-separated regionCodes (default: all)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where to write (default: %(default)s)")
    parser.add_argument("--from-file", help="parse saved PriceList items (JSON lines) instead of calling AWS")
    args = parser.parse_args(argv)
    regions = {r.strip() for r in args.regions.split(",") if r.strip()} if args.regions else None
    if args.from_file:
        with open(args.from_file, encoding="utf-8") as handle:
            items = [line for line in handle if line.strip()]
    else:
        items = fetch(regions)
    table = build_table(items, regions)
    if not table["regions"]:
        print("refresh-prices: no HealthOmics prices found; not writing", file=sys.stderr)
        return 1
    pathlib.Path(args.out).write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    count = sum(len(v) for v in table["regions"].values())
    print(f"refresh-prices: wrote {count} prices in {len(table['regions'])} region(s) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
