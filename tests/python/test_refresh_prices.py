"""scripts/refresh-prices.py on hand-made PriceList items (the shape GetProducts returns), offline."""

import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("refresh_prices", ROOT / "scripts" / "refresh-prices.py")
refresh = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(refresh)


def item(resource, region, usd, unit="Instance-hrs"):
    return json.dumps({
        "product": {"productFamily": "Compute", "attributes": {"resourceType": resource, "regionCode": region}},
        "publicationDate": "2026-07-01T00:00:00Z",
        "terms": {"OnDemand": {"T1": {"effectiveDate": "2026-06-01T00:00:00Z", "priceDimensions": {
            "D1": {"unit": unit, "pricePerUnit": {"USD": usd}}}}}},
    })


def test_keeps_instances_and_run_storage_only():
    items = [
        item("omics.c.large", "us-east-1", "0.1148000000"),
        item("Run Storage", "us-east-1", "0.0001918000", "GB-Hours"),
        item("Dynamic Run Storage", "eu-west-1", "0.0004500000", "GB-Hours"),
        item("Ephemeral Storage", "us-east-1", "0.0001330000", "GB-Hours"),
        item("omics.m.large", "us-west-2", "0.1296000000"),
    ]
    table = refresh.build_table(items, None)
    assert table["currency"] == "USD"
    assert table["regions"]["us-east-1"]["omics.c.large"] == {
        "usd": 0.1148, "unit": "Instance-hrs", "source": "pricing-api", "date": "2026-06-01"}
    assert table["regions"]["us-east-1"]["Run Storage"]["usd"] == 0.0001918
    assert "Ephemeral Storage" not in table["regions"]["us-east-1"]
    assert set(table["regions"]) == {"us-east-1", "eu-west-1", "us-west-2"}
    only = refresh.build_table(items, {"us-west-2"})
    assert list(only["regions"]) == ["us-west-2"]


def test_from_file_writes_a_table(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(item("omics.g5.2xlarge", "us-east-1", "1.6362") + "\n", encoding="utf-8")
    out = tmp_path / "prices.json"
    assert refresh.main(["--from-file", str(dump), "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["regions"]["us-east-1"]["omics.g5.2xlarge"]["usd"] == 1.6362
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert refresh.main(["--from-file", str(empty), "--out", str(tmp_path / "x.json")]) == 1
