#!/usr/bin/env python3
"""`make bench`: enrichment of synthetic runs (1k, 10k, 100k tasks), the same manifests through the open-source
Python run analyzer (`omics-run-analyzer` of PyPI `aws-healthomics-tools`), and the lookup API under load.
Prints one markdown report (tables + targets) on stdout; `--write FILE` also writes it there.

Everything runs on a private stack this script starts and stops itself (so `.local/` and a developer's stack are
left alone): moto on a free port, a counting HTTP proxy in front of it (upstream calls per AWS operation, read from
`X-Amz-Target` or the S3 method), and the release `omics-emulator`, which also serves the AWS Price List API
(`GetProducts` from `tests/fixtures/prices/price-list.jsonl`) to both enrich-run and the analyzer.

Per run size:
- seed: `synth-run --post` (a separate process, so nothing of the generator is in the measured process);
- ours: `enrich-run invoke --event <file>` (the Lambda handler's code path, one shot) in a release build: wall
  time from spawn to exit, peak RSS of that process (`wait4` rusage `ru_maxrss`), upstream calls (the emulator's
  `GET /_emulator/stats` + the proxy's counts);
- theirs: `omics-run-analyzer <id>:<uuid> -o out.csv` against the same moto CloudWatch Logs (through the proxy,
  `AWS_ENDPOINT_URL`), its pricing from the emulator (`AWS_ENDPOINT_URL_PRICING`): wall time, peak RSS, calls.

Needs: `.venv` (moto), `.venv-bench` (the analyzer; `scripts/bench.sh` installs both) and release binaries
(`cargo build --release -p enrich-run -p local-api -p omics-introspect-tests --bins`). Use `scripts/bench.sh`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid as uuidlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-value-7f3a9c"  # the stack's AWS_SECRET_ACCESS_KEY; must never appear in function logs
LOG_GROUP = "/aws/omics/WorkflowLog"
MIB = 1024 * 1024


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, method: str = "GET", body: object | None = None, timeout: float = 30) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def wait_until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


# ---------------------------------------------------------------------------------------------------------------
# Counting proxy in front of moto: one counter per AWS operation.
# ---------------------------------------------------------------------------------------------------------------


class CountingProxy:
    """Forwards every connection to `target` and counts requests per operation.

    Requests are parsed from the client's byte stream (head, then a Content-Length or chunked body), so keep-alive
    connections with many requests are counted one by one. Responses are copied through untouched.
    """

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def start():
            server = await asyncio.start_server(self._handle, "127.0.0.1", 0, limit=1 << 20)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            async with server:
                await server.serve_forever()

        self.loop.run_until_complete(start())

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)

    def _count(self, head: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        path = rest.split(" ")[0]
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        target = headers.get("x-amz-target")
        if target:
            service, _, op = target.partition(".")
            prefix = {"Logs_20140328": "Logs", "DynamoDB_20120810": "DynamoDB", "AWSEvents": "EventBridge"}.get(
                service, service
            )
            name = f"{prefix}.{op}"
        else:
            name = f"S3.{method} {'object' if path.strip('/').count('/') >= 1 else 'bucket'}"
        with self.lock:
            self.counts[name] += 1

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port, limit=1 << 20)
        except OSError:
            client_writer.close()
            return

        async def pipe_responses():
            try:
                while True:
                    chunk = await up_reader.read(1 << 16)
                    if not chunk:
                        break
                    client_writer.write(chunk)
                    await client_writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                client_writer.close()

        responder = asyncio.ensure_future(pipe_responses())
        try:
            while True:
                head = await client_reader.readuntil(b"\r\n\r\n")
                self._count(head)
                up_writer.write(head)
                text = head.decode("latin-1").lower()
                m = re.search(r"\r\ncontent-length:\s*(\d+)", text)
                if "transfer-encoding: chunked" in text:
                    while True:
                        size_line = await client_reader.readuntil(b"\r\n")
                        up_writer.write(size_line)
                        size = int(size_line.split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while True:  # trailers up to the empty line
                                line = await client_reader.readuntil(b"\r\n")
                                up_writer.write(line)
                                if line == b"\r\n":
                                    break
                            break
                        up_writer.write(await client_reader.readexactly(size + 2))
                elif m:
                    remaining = int(m.group(1))
                    while remaining:
                        chunk = await client_reader.read(min(remaining, 1 << 16))
                        if not chunk:
                            raise ConnectionError("client closed mid-body")
                        up_writer.write(chunk)
                        remaining -= len(chunk)
                await up_writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            up_writer.close()
            await asyncio.gather(responder, return_exceptions=True)


# ---------------------------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------------------------


def high_water_kib(pid: int) -> int | None:
    """The process' own peak RSS so far (`VmHWM`), or None once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run_measured(cmd: list[str], env: dict, stdout, stderr, timeout: float) -> dict:
    """Runs `cmd` to completion; wall time, exit status and the peak RSS of that process alone.

    The peak is `VmHWM` sampled every 20 ms while the process runs: `wait4`'s `ru_maxrss` starts from the parent's
    high-water mark at fork (Linux carries it into the child), so a child smaller than this Python process would
    report the parent's figure. `ru_maxrss` stands in only when no sample was taken (a process over in 20 ms)."""
    started = time.monotonic()
    process = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
    timed_out = threading.Event()
    peak = {"kib": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            value = high_water_kib(process.pid)
            if value is not None:
                peak["kib"] = max(peak["kib"], value)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def kill():
        timed_out.set()
        try:
            process.kill()
        except OSError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        # Wait for the exit without reaping, so the pid cannot be reused while the sampler still reads it.
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        done.set()
        sampler.join()
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
        done.set()
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": time.monotonic() - started,
        "code": process.returncode,
        "maxrss_kib": peak["kib"] or usage.ru_maxrss,
        "cpu": usage.ru_utime + usage.ru_stime,
        "timed_out": timed_out.is_set(),
    }


class Stack:
    """moto + counting proxy + release emulator (HealthOmics and the Price List API), on free loopback ports."""

    def __init__(self, target: Path, workdir: Path):
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []
        moto_port = free_port()
        self.moto_url = f"http://127.0.0.1:{moto_port}"
        moto = ROOT / ".venv/bin/moto_server"
        self.processes.append(
            subprocess.Popen(
                [str(moto), "-H", "127.0.0.1", "-p", str(moto_port)],
                stdout=open(workdir / "moto.log", "w"),
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        )
        wait_until(lambda: urllib.request.urlopen(f"{self.moto_url}/moto-api/", timeout=2), "moto")
        self.proxy = CountingProxy(moto_port)
        self.proxy_url = f"http://127.0.0.1:{self.proxy.port}"
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "AWS_ACCESS_KEY_ID": "bench-access-key",
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "LOG_GROUP_NAME": LOG_GROUP,
            "RUNS_TABLE_NAME": "omics-introspect-runs",
            "FLEET_TABLE_NAME": "omics-introspect-fleet",
            "LIVE_TABLE_NAME": "omics-introspect-live",
            "REPORTS_BUCKET_NAME": "omics-introspect-reports",
            "EVENT_BUS_NAME": "omics-introspect",
        }
        direct = dict(self.base_env, AWS_ENDPOINT_URL=self.moto_url)
        # The emulator writes seeded manifests straight to moto (not through the proxy).
        emulator_out = open(workdir / "emulator.out", "w+")
        self.processes.append(
            subprocess.Popen(
                [str(target / "omics-emulator"), "--addr", "127.0.0.1:0"],
                env=dict(direct, RUST_LOG="warn"),
                stdout=emulator_out,
                stderr=open(workdir / "emulator.log", "w"),
                stdin=subprocess.DEVNULL,
            )
        )

        def emulator_listening():
            emulator_out.seek(0)
            m = re.search(r"LISTENING (\S+)", emulator_out.read())
            if m:
                self.emulator_url = m.group(1)
            return bool(m)

        wait_until(emulator_listening, "omics-emulator")
        # The emulator also serves the AWS Price List API (GetProducts from tests/fixtures/prices/): enrich-run and
        # the analyzer price runs from the same server.
        self.pricing_url = self.emulator_url
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), str(ROOT / "scripts/local-resources.py"), "--env-file", "/nonexistent"],
            env=direct,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_emulator(self, target: Path, name: str, extra: list[str]) -> str:
        """Another release emulator on a free port, writing manifests to the same moto; answers its URL."""
        out = open(self.workdir / f"{name}.out", "w+")
        self.processes.append(
            subprocess.Popen(
                [str(target / "omics-emulator"), "--addr", "127.0.0.1:0", *extra],
                env=dict(self.base_env, AWS_ENDPOINT_URL=self.moto_url, RUST_LOG="warn"),
                stdout=out,
                stderr=open(self.workdir / f"{name}.log", "w"),
                stdin=subprocess.DEVNULL,
            )
        )
        found: list[str] = []

        def listening():
            out.seek(0)
            m = re.search(r"LISTENING (\S+)", out.read())
            if m:
                found.append(m.group(1))
            return bool(m)

        wait_until(listening, name)
        return found[0]

    def function_env(self) -> dict:
        """What enrich-run sees: AWS services through the counting proxy, HealthOmics on the emulator."""
        return dict(
            self.base_env,
            AWS_ENDPOINT_URL=self.proxy_url,
            AWS_ENDPOINT_URL_OMICS=self.emulator_url,
            AWS_ENDPOINT_URL_PRICING=self.pricing_url,
            MANIFEST_WAIT_SECONDS="10",
            RUST_LOG="info",
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def pricing_calls(stack: Stack) -> dict[str, int]:
    """The emulator's Price List request counters."""
    counters = http_json(f"{stack.pricing_url}/_emulator/pricing")
    return {"GetProducts": int(counters["getProducts"]), "DescribeServices": int(counters["describeServices"])}


PAGE_BYTES = 1 << 20


def manifest_pages(stack: Stack, run_id: str, uuid: str) -> tuple[int, int]:
    """Pages (and lines) of the manifest as AWS serves them, read straight from moto with boto3: AWS caps a
    GetLogEvents response at 1 MB (and 10,000 events), moto only at 10,000 events, so the pages are counted by
    packing the messages into 1 MiB pages. enrich-run asks for about 1 MiB per page (its first page, sized before
    any line is seen, may fall short), so its reads are held to these pages plus one."""
    import boto3

    logs = boto3.client(
        "logs",
        endpoint_url=stack.moto_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    request = {
        "logGroupName": LOG_GROUP,
        "logStreamName": f"manifest/run/{run_id}/{uuid}",
        "startFromHead": True,
    }
    pages = lines = 0
    page_bytes = page_events = 0
    while True:
        response = logs.get_log_events(**request)
        for event in response.get("events", []):
            size = len(event.get("message", "").encode())
            if page_events == 0 or page_bytes + size > PAGE_BYTES or page_events == 10_000:
                pages += 1
                page_bytes = page_events = 0
            page_bytes += size
            page_events += 1
            lines += 1
        token = response.get("nextForwardToken")
        if not token or token == request.get("nextToken"):
            return pages, lines
        request["nextToken"] = token


def run_event(run_id: str, uuid: str, status: str) -> dict:
    arn = f"arn:aws:omics:us-east-1:123456789012:run/{run_id}"
    return {
        "version": "0",
        "id": str(uuidlib.uuid4()),
        "detail-type": "Run Status Change",
        "source": "aws.omics",
        "account": "123456789012",
        "time": "2024-10-20T07:02:53Z",
        "region": "us-east-1",
        "resources": [arn],
        "detail": {"omicsVersion": "1.0.0", "arn": arn, "status": status, "uuid": uuid, "runId": run_id},
    }


def bench_size(stack: Stack, args, target: Path, tasks: int, failed: int, index: int,
               shape: str = "pipeline") -> dict:
    run_id = str(7_700_000 + index)
    uuid = str(uuidlib.uuid4())
    status = "FAILED" if failed else "COMPLETED"
    label = f"{tasks // 1000}k" if tasks >= 1000 else str(tasks)
    if failed:
        label += f" FAILED ({failed} failed tasks)"
    if shape != "pipeline":
        label += f" {shape}"
    log(f"{label}: seeding run {run_id} ({tasks} tasks, {shape} shape) with synth-run --post")
    seed_started = time.monotonic()
    subprocess.run(
        [
            str(target / "synth-run"), "--run-id", run_id, "--uuid", uuid, "--tasks", str(tasks),
            "--failed", str(failed), "--cached", str(tasks // 200), "--gpu", str(tasks // 500),
            "--status", status, "--seed", str(tasks), "--post", stack.emulator_url, "--timeout", "900",
        ] + (["--shape", shape] if shape != "pipeline" else []),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seed_seconds = time.monotonic() - seed_started
    pages, lines = manifest_pages(stack, run_id, uuid)

    event_file = stack.workdir / f"event-{run_id}.json"
    event_file.write_text(json.dumps(run_event(run_id, uuid, status)))
    http_json(f"{stack.emulator_url}/_emulator/stats/reset", "POST", {})
    stack.proxy.reset()
    out_path = stack.workdir / f"enrich-{run_id}.out"
    err_path = stack.workdir / f"enrich-{run_id}.log"
    log(f"{label}: enrich-run invoke (release)")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        ours = run_measured(
            [str(target / "enrich-run"), "invoke", "--event", str(event_file)],
            stack.function_env(), out, err, timeout=900,
        )
    answer = {}
    for line in out_path.read_text().splitlines():
        if line.startswith("{") and '"outcome"' in line:
            answer = json.loads(line)
    if ours["code"] != 0 or answer.get("outcome") != "written":
        raise RuntimeError(f"enrich-run failed ({ours}): {answer} — see {err_path}")
    omics = http_json(f"{stack.emulator_url}/_emulator/stats")
    aws = stack.proxy.snapshot()
    function_log = out_path.read_text() + err_path.read_text()
    # The function's own timings line (`stored enriched run`): the record's build time, without the reads.
    build = re.search(r'build_ms["=:\s]+(\d+)', function_log)
    ours["build_ms"] = int(build.group(1)) if build else None
    json_size = re.search(r'json_bytes["=:\s]+(\d+)', function_log)
    ours["json_bytes"] = int(json_size.group(1)) if json_size else None

    theirs = None
    if tasks in args.python_tasks and shape == "pipeline":
        stack.proxy.reset()
        # The package's console script routes `run_analyzer` to omics-run-analyzer's main().
        analyzer = ROOT / ".venv-bench/bin/aws-healthomics-tools"
        csv_path = stack.workdir / f"analyzer-{run_id}.csv"
        env = dict(stack.base_env, AWS_ENDPOINT_URL=stack.proxy_url, AWS_ENDPOINT_URL_PRICING=stack.pricing_url)
        pricing_before = pricing_calls(stack)
        log(f"{label}: omics-run-analyzer {run_id}:{uuid} (timeout {args.python_timeout:.0f} s)")
        with open(stack.workdir / f"analyzer-{run_id}.log", "w") as err:
            theirs = run_measured(
                [str(analyzer), "run_analyzer", f"{run_id}:{uuid}", "-o", str(csv_path)],
                env, subprocess.DEVNULL, err, timeout=args.python_timeout,
            )
        theirs["calls"] = stack.proxy.snapshot()
        pricing_after = pricing_calls(stack)
        theirs["calls"].update({
            f"Pricing.{k}": pricing_after[k] - pricing_before[k] for k in pricing_after
            if pricing_after[k] > pricing_before[k]
        })
        if not theirs["timed_out"]:
            if theirs["code"] != 0:
                raise RuntimeError(f"omics-run-analyzer failed: {theirs} — see {stack.workdir}")
            rows = sum(1 for _ in open(csv_path)) - 1
            theirs["rows"] = rows
            if rows != lines:
                log(f"{label}: the analyzer wrote {rows} rows for {lines} manifest lines")

    logs_reads = sum(v for k, v in aws.items() if k.startswith("Logs."))
    omics_reads = sum(int(omics.get(op, 0)) for op in ("GetRun", "ListRuns", "ListRunTasks", "GetRunTask"))
    failed_detail = int(omics.get("GetRunTask", 0))
    # + 1: the first manifest page is sized before any line is seen (see manifest_pages).
    bound = 2 + math.ceil(tasks / 100) + pages + 1 + failed
    upstream = omics_reads + logs_reads
    tails = min(failed, 100)
    return {
        "label": label,
        "run_id": run_id,
        "uuid": uuid,
        "tasks": tasks,
        "shape": shape,
        "failed": failed,
        "lines": lines,
        "pages": pages,
        "seed_seconds": seed_seconds,
        "ours": ours,
        "omics": omics,
        "aws": aws,
        "upstream": upstream,
        "bound": bound,
        "tails": tails,
        "failed_detail": failed_detail,
        "report_bytes": answer.get("report"),
        "theirs": theirs,
        "secret_in_logs": SECRET in function_log,
        "log_lines": function_log.count("\n"),
    }


QUOTA_RPS, QUOTA_BURST = 10, 5
CACHE_ID = "9900001"


def seed_quota_run(stack: Stack, target: Path, url: str, run_id: str, tasks: int, cached: bool) -> str:
    """Seeds a COMPLETED run; a cached one has 0.5 % cache hits and a `cacheId` in GetRun (synth-run writes the
    files, the cacheId is added to run.json, the rest of the body is passed through as text)."""
    uuid = str(uuidlib.uuid4())
    common = [str(target / "synth-run"), "--run-id", run_id, "--uuid", uuid, "--tasks", str(tasks),
              "--gpu", str(tasks // 500), "--seed", str(tasks)]
    if not cached:
        subprocess.run(common + ["--post", url, "--timeout", "900"], check=True, stdout=subprocess.DEVNULL)
        return uuid
    out = stack.workdir / f"seed-{run_id}"
    subprocess.run(common + ["--cached", str(max(1, tasks // 200)), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    run = json.loads((out / "run.json").read_text())
    run.update(cacheId=CACHE_ID, cacheBehavior="CACHE_ALWAYS")
    lines = (out / "manifest.jsonl").read_text().splitlines()
    body = ('{"run": ' + json.dumps(run) + ', "tasks": ' + (out / "tasks.json").read_text()
            + ', "manifest": ' + json.dumps(lines) + "}").encode()
    request = urllib.request.Request(f"{url}/_emulator/runs", data=body, method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=900) as response:
        response.read()
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    return uuid


def enrich_once(stack: Stack, target: Path, url: str, run_id: str, uuid: str) -> dict:
    """`enrich-run invoke` of one COMPLETED run against the emulator at `url`: wall, outcome, listing path."""
    event_file = stack.workdir / f"event-q{run_id}.json"
    event_file.write_text(json.dumps(run_event(run_id, uuid, "COMPLETED")))
    out_path, err_path = stack.workdir / f"enrich-q{run_id}.out", stack.workdir / f"enrich-q{run_id}.log"
    env = dict(stack.function_env(), AWS_ENDPOINT_URL_OMICS=url)
    with open(out_path, "w") as out, open(err_path, "w") as err:
        measured = run_measured([str(target / "enrich-run"), "invoke", "--event", str(event_file)], env, out, err,
                                timeout=900)
    text = out_path.read_text() + err_path.read_text()
    answer = {}
    for line in out_path.read_text().splitlines():
        if line.startswith("{") and '"outcome"' in line:
            answer = json.loads(line)
    path = re.search(r'listing_path["=:\s]+"?(\w+)', text)
    calls = re.search(r'listing_calls["=:\s]+(\d+)', text)
    measured.update(
        outcome=answer.get("outcome", "failed"),
        listing=path.group(1) if path else "?",
        listing_calls=int(calls.group(1)) if calls else 0,
        throttle_waits=text.count("ListRunTasks throttled"),
        log=str(err_path),
    )
    return measured


def enrich_together(stack: Stack, target: Path, url: str, runs: list[tuple[str, str, str]]) -> list[dict]:
    """Enriches (label, run id, uuid) runs at once, one process each."""
    results: dict[str, dict] = {}

    def one(label: str, run_id: str, uuid: str) -> None:
        results[label] = enrich_once(stack, target, url, run_id, uuid)

    threads = [threading.Thread(target=one, args=run) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [dict(results[label], label=label) for label, _, _ in runs]


class Lookups:
    """Clients asking `local-api` (on the quota emulator) for runs and task pages until stopped."""

    def __init__(self, target: Path, stack: Stack, url: str, run_ids: list[str], clients: int = 2):
        env = dict(stack.function_env(), AWS_ENDPOINT_URL_OMICS=url, LOCAL_API_ADDR="127.0.0.1:0",
                   CURSOR_SECRET="bench quota cursor secret, 32+ bytes long", RUST_LOG="warn")
        self.out = open(stack.workdir / "local-api.out", "w+")
        self.process = subprocess.Popen([str(target / "local-api")], env=env, stdout=self.out,
                                        stderr=open(stack.workdir / "local-api.log", "w"), stdin=subprocess.DEVNULL)
        stack.processes.append(self.process)
        found: list[str] = []

        def listening():
            self.out.seek(0)
            m = re.search(r"LISTENING (\S+)", self.out.read())
            if m:
                found.append(m.group(1))
            return bool(m)

        wait_until(listening, "local-api")
        self.base = found[0]
        self.paths = [p for r in run_ids for p in (f"/runs/{r}", f"/runs/{r}/tasks?limit=100")]
        self.statuses: Counter = Counter()
        self.retry_after_missing = 0
        self.latencies: list[float] = []
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(i,)) for i in range(clients)]
        for thread in self.threads:
            thread.start()

    def _client(self, index: int) -> None:
        i = index
        while not self.stop_event.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as err:
                status = err.code
                if status == 429 and not err.headers.get("Retry-After"):
                    self.retry_after_missing += 1
            except OSError:
                status = 0
            self.latencies.append(time.monotonic() - started)
            self.statuses[status] += 1
            time.sleep(0.05)

    def stop(self) -> dict:
        self.stop_event.set()
        for thread in self.threads:
            thread.join()
        lat = sorted(self.latencies) or [0.0]
        return {
            "statuses": dict(self.statuses),
            "requests": sum(self.statuses.values()),
            "server_errors": sum(v for k, v in self.statuses.items() if k >= 500 or k == 0),
            "retry_after_missing": self.retry_after_missing,
            "p50": lat[len(lat) // 2],
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        }


def bench_quota(stack: Stack, target: Path, args) -> dict:
    """Enrichment under an emulator started with `--quota-rps 10 --quota-burst 5` (HealthOmics' default quota,
    shared by every client): runs alone, four at once with lookups, and the biggest cached run with three others."""
    url = stack.start_emulator(target, "quota-emulator",
                               ["--quota-rps", str(QUOTA_RPS), "--quota-burst", str(QUOTA_BURST)])
    next_id = iter(range(7_800_000, 7_900_000))
    alone = []
    sizes = sorted(set(args.quota_tasks) | {args.quota_uncached_target})
    plan = [(n, False) for n in sizes] + [(n, True) for n in args.quota_tasks]
    for tasks, cached in plan:
        run_id = str(next(next_id))
        label = f"{tasks // 1000}k" if tasks >= 1000 else str(tasks)
        kind = "run cache" if cached else "no run cache"
        log(f"quota: seeding {label} ({kind}) as run {run_id}")
        uuid = seed_quota_run(stack, target, url, run_id, tasks, cached)
        http_json(f"{url}/_emulator/stats/reset", "POST", {})
        result = enrich_once(stack, target, url, run_id, uuid)
        result.update(label=f"{label}, {kind}", tasks=tasks, cached=cached, run_id=run_id, uuid=uuid,
                      omics=http_json(f"{url}/_emulator/stats"))
        log(f"quota: {result['label']}: {result['wall']:.2f} s, {result['listing']} ({result['listing_calls']} pages)")
        alone.append(result)

    four = args.quota_concurrent
    label = f"{four // 1000}k" if four >= 1000 else str(four)
    runs = []
    for k in range(4):
        run_id = str(next(next_id))
        log(f"quota: seeding {label} (run cache) #{k + 1} as run {run_id}")
        runs.append((f"{label} #{k + 1}", run_id, seed_quota_run(stack, target, url, run_id, four, True)))
    lookups = Lookups(target, stack, url, [r[1] for r in runs]) if (target / "local-api").exists() else None
    http_json(f"{url}/_emulator/stats/reset", "POST", {})
    log(f"quota: four {label} cached runs at once" + (" with lookups" if lookups else ""))
    started = time.monotonic()
    together = enrich_together(stack, target, url, runs)
    together_wall = time.monotonic() - started
    together_omics = http_json(f"{url}/_emulator/stats")
    lookup_stats = lookups.stop() if lookups else None

    big = max(args.quota_tasks)
    big_run = next(r for r in alone if r["tasks"] == big and r["cached"])
    # Re-enrich the biggest cached run and three of the four: their records are deleted first, so each lists again.
    import boto3

    dynamodb = boto3.client("dynamodb", endpoint_url=stack.moto_url, region_name="us-east-1",
                            aws_access_key_id="x", aws_secret_access_key="x")
    shared = [(f"{big // 1000}k, run cache", big_run["run_id"], big_run["uuid"])] + runs[:3]
    for _, run_id, uuid in shared:
        dynamodb.delete_item(TableName=stack.base_env["RUNS_TABLE_NAME"],
                             Key={"pk": {"S": f"RUN#{run_id}"}, "sk": {"S": uuid}})
    http_json(f"{url}/_emulator/stats/reset", "POST", {})
    log(f"quota: {big} cached tasks sharing the quota with three {label} runs")
    started = time.monotonic()
    sharing = enrich_together(stack, target, url, shared)
    sharing_wall = time.monotonic() - started
    sharing_omics = http_json(f"{url}/_emulator/stats")
    return {
        "alone": alone,
        "together": together, "together_wall": together_wall, "together_omics": together_omics,
        "lookups": lookup_stats,
        "sharing": sharing, "sharing_wall": sharing_wall, "sharing_omics": sharing_omics,
        "big": big, "uncached_target": args.quota_uncached_target,
    }


def render_quota(q: dict) -> list[str]:
    out: list[str] = []
    w = out.append

    def calls(omics: dict) -> str:
        throttled = omics.get("quotaThrottled", {})
        refused = sum(int(v) for v in throttled.values())
        return (f"GetRun {omics.get('GetRun', 0)}, ListRunTasks {omics.get('ListRunTasks', 0)}, "
                f"GetRunTask {omics.get('GetRunTask', 0)}; refused by the quota {refused}")

    w(f"## Under HealthOmics' quota ({QUOTA_RPS} requests/s per operation, burst {QUOTA_BURST}, shared by every client)")
    w("")
    w("Emulator started with `--quota-rps 10 --quota-burst 5`; `enrich-run` paces itself at 10/s per operation "
      "(`OMICS_CLIENT_TPS`, burst 1). Cached runs carry `cacheId` in GetRun and 0.5 % cache hits.")
    w("")
    w("| enrichment | listing (ListRunTasks pages) | wall | HealthOmics calls (emulator) | outcome |")
    w("|---|---|---|---|---|")
    for r in q["alone"]:
        w(f"| {r['label']}, alone | {r['listing']} ({r['listing_calls']}) | {r['wall']:.2f} s | {calls(r['omics'])} | "
          f"{r['outcome']} |")
    for r in q["together"]:
        w(f"| {r['label']}, four at once + lookups | {r['listing']} ({r['listing_calls']}) | {r['wall']:.2f} s | "
          f"(all four) {calls(q['together_omics'])} | {r['outcome']} |")
    for r in q["sharing"]:
        w(f"| {r['label']}, sharing with three | {r['listing']} ({r['listing_calls']}) | {r['wall']:.2f} s | "
          f"(all four) {calls(q['sharing_omics'])} | {r['outcome']} |")
    w("")
    lk = q["lookups"]
    if lk:
        w(f"Lookups through `local-api` during the four-at-once row (2 clients, `/runs/{{id}}` and "
          f"`/runs/{{id}}/tasks`): {lk['requests']} requests, statuses {lk['statuses']}, p50 {lk['p50'] * 1000:.0f} ms, "
          f"p99 {lk['p99'] * 1000:.0f} ms; 429 without Retry-After: {lk['retry_after_missing']}.")
        w("")
    w("| target | measured | |")
    w("|---|---|---|")
    target_runs = [r for r in q["alone"] if r["tasks"] == q["uncached_target"] and not r["cached"]]
    for r in target_runs:
        w(f"| {r['tasks'] // 1000}k tasks, no run cache: ≤ 3 s under the quota | {r['wall']:.2f} s | "
          f"{ok(r['wall'] <= 3)} |")
    big = q["sharing"][0]
    w(f"| {q['big'] // 1000}k tasks, run cache, sharing the quota with three: ≤ 600 s | {big['wall']:.1f} s | "
      f"{ok(big['wall'] <= 600)} |")
    every = q["alone"] + q["together"] + q["sharing"]
    failed = [r["label"] for r in every if r["outcome"] not in ("written", "unchanged")]
    w(f"| no enrichment fails | {len(every) - len(failed)} of {len(every)} written | {ok(not failed)} |")
    if lk:
        w(f"| lookups keep answering: 429 with Retry-After allowed, never 5xx | {lk['server_errors']} 5xx or "
          f"transport errors, {lk['retry_after_missing']} 429 without Retry-After | "
          f"{ok(lk['server_errors'] == 0 and lk['retry_after_missing'] == 0)} |")
    w("")
    return out


def api_load(target: Path, args) -> dict:
    log(f"lookup API: bench-load --concurrency {args.concurrency} --seconds {args.load_seconds}")
    output = subprocess.run(
        [str(target / "bench-load"), "--concurrency", str(args.concurrency), "--seconds", str(args.load_seconds)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in output.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"bench-load printed no BENCH_JSON line:\n{output}")


def binary_sizes(target: Path) -> tuple[str, list[tuple[str, int]]]:
    lambda_dir = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "lambda"
    found = sorted((p.parent.name, p.stat().st_size) for p in lambda_dir.glob("*/bootstrap")) if lambda_dir.is_dir() else []
    if found:
        return "arm64 `target/lambda/*/bootstrap` (`make build`, cargo-lambda --release --arm64)", found
    names = ["enrich-run", "local-api", "get-run", "list-runs", "list-run-tasks", "get-run-task"]
    return (
        f"{platform.machine()} `target/release/*` (no `target/lambda` bootstraps: run `make build` for arm64)",
        [(n, (target / n).stat().st_size) for n in names if (target / n).exists()],
    )


def ok(flag: bool) -> str:
    return "met" if flag else "**missed**"


def build_us(r: dict) -> float | None:
    """µs per task of building the record (the function's `build_ms`), or None when the log did not say."""
    ms = r["ours"].get("build_ms")
    return None if ms is None or not r["tasks"] else ms * 1000 / r["tasks"]


def build_per_task(r: dict) -> str:
    us = build_us(r)
    return "?" if us is None else f"{us:.1f}"


def render(results: list[dict], load: dict | None, sizes, args, total_seconds: float, quota: dict | None = None) -> str:
    out: list[str] = []
    w = out.append
    w("# Benchmarks")
    w("")
    w(
        f"`make bench` on {os.cpu_count()} cores, {platform.machine()}, {time.strftime('%Y-%m-%d')}; release build; "
        f"private moto + release `omics-emulator` on loopback; {total_seconds / 60:.1f} min in all. "
        "Synthetic runs from `synth-run` (0.5 % cached tasks, 0.2 % GPU tasks, seed = task count); *adversarial* "
        "rows use `--shape adversarial` (every task its own image digest and uuid, 30 % distinct ungroupable names "
        "of 200+ multi-byte characters)."
    )
    w("")
    w("## Enrichment (`enrich-run invoke --event`, one process per run) and the Python analyzer")
    w("")
    w(
        "| run | manifest lines / pages | enrich wall | peak RSS | build µs/task | upstream reads (HealthOmics + Logs) "
        "| bound 2+⌈t/100⌉+pages+1+failed | writes | analyzer wall | analyzer peak RSS | analyzer calls | speed-up |"
    )
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ours = r["ours"]
        omics = r["omics"]
        logs_calls = {k.split(".", 1)[1]: v for k, v in r["aws"].items() if k.startswith("Logs.")}
        reads = (
            f"{r['upstream']}: GetRun {omics.get('GetRun', 0)}, ListRunTasks {omics.get('ListRunTasks', 0)}, "
            f"GetRunTask {omics.get('GetRunTask', 0)}, "
            + ", ".join(f"{k} {v}" for k, v in sorted(logs_calls.items()))
        )
        upstream_no_tails = r["upstream"] - r["tails"]
        bound_text = f"{r['bound']}: {ok(upstream_no_tails <= r['bound'])}"
        if r["tails"]:
            bound_text += f" ({upstream_no_tails} without the {r['tails']} task-log tails)"
        writes = ", ".join(f"{k} {v}" for k, v in sorted(r["aws"].items()) if not k.startswith("Logs."))
        theirs = r["theirs"]
        if theirs is None:
            t_wall = t_rss = t_calls = speed = "not run"
        elif theirs["timed_out"]:
            t_wall = f"> {theirs['wall']:.0f} s (stopped)"
            t_rss = f"≥ {theirs['maxrss_kib'] / 1024:.0f} MiB"
            t_calls = ", ".join(f"{k} {v}" for k, v in sorted(theirs["calls"].items()))
            speed = f"> {theirs['wall'] / ours['wall']:.0f}×"
        else:
            t_wall = f"{theirs['wall']:.2f} s"
            t_rss = f"{theirs['maxrss_kib'] / 1024:.0f} MiB"
            t_calls = ", ".join(f"{k} {v}" for k, v in sorted(theirs["calls"].items()))
            speed = f"{theirs['wall'] / ours['wall']:.1f}×"
        w(
            f"| {r['label']} | {r['lines']} / {r['pages']} | {ours['wall']:.2f} s (CPU {ours['cpu']:.2f} s) | "
            f"{ours['maxrss_kib'] / 1024:.1f} MiB | {build_per_task(r)} | {reads} | {bound_text} | {writes} | "
            f"{t_wall} | {t_rss} | "
            f"{t_calls} | {speed} |"
        )
    w("")
    if quota:
        out.extend(render_quota(quota))
    w("## Lookup API (`local-api`, release) under load from a second process (`bench-load`)")
    w("")
    if load:
        o, u, lat = load["overheadMs"], load["upstreamMs"], load["latencyMs"]
        w("| measure | p50 | p90 | p99 | max |")
        w("|---|---|---|---|---|")
        for name, s in [
            ("handler overhead = Server-Timing total − upstream (ms)", o),
            ("upstream: SDK call to the emulator (ms)", u),
            ("client latency, new connection per request (ms)", lat),
        ]:
            w(f"| {name} | {s['p50']:.3f} | {s['p90']:.3f} | {s['p99']:.3f} | {s['max']:.3f} |")
        w("")
        w(
            f"{load['concurrency']} concurrent clients for {load['seconds']:.0f} s over the four lookup routes "
            f"(`/runs/{{id}}`, `/runs`, `/runs/{{id}}/tasks`, `/runs/{{id}}/tasks/{{taskId}}`, 100 items per list): "
            f"{load['requests']} requests, {load['rps']:.0f}/s, {load['errors']} errors; local-api peak RSS "
            f"{(load.get('apiPeakRssKiB') or 0) / 1024:.1f} MiB. Start-up: `LISTENING` after "
            f"{load['listeningMs']:.1f} ms, first 200 response after {load['firstResponseMs']:.1f} ms (spawn to "
            "response, including the SDK's configuration load)."
        )
    w("")
    w(f"Binary sizes, {sizes[0]}:")
    w("")
    w("| binary | MiB |")
    w("|---|---|")
    for name, size in sizes[1]:
        w(f"| {name} | {size / MIB:.1f} |")
    w("")
    w("## Targets")
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    for r in results:
        if r["tasks"] < 100_000:
            continue
        rss = r["ours"]["maxrss_kib"]
        w(f"| {r['label']} tasks: peak RSS ≤ 128 MiB | {rss / 1024:.1f} MiB | {ok(rss <= 128 * 1024)} |")
        us = build_us(r)
        if us is not None:
            w(f"| {r['label']} tasks: record built in ≤ 10 µs per task | {us:.1f} µs | {ok(us <= 10)} |")
    per_kb = [(r, build_us(r) / (r["ours"]["json_bytes"] / r["tasks"] / 1000)) for r in results
              if r["tasks"] >= 100_000 and build_us(r) and r["ours"].get("json_bytes")]
    for r, us_per_kb in per_kb:
        w(f"| {r['label']}: build time per KB of record JSON (explains the µs per task) | "
          f"{us_per_kb:.1f} µs/KB ({r['ours']['json_bytes'] / r['tasks'] / 1000:.2f} KB per task) | measured |")
    for r in results:
        w(
            f"| {r['label']}: upstream reads ≤ 2 + ⌈tasks/100⌉ + manifest pages + 1 + failed tasks | "
            f"{r['upstream'] - r['tails']} ≤ {r['bound']}"
            + (f" (+{r['tails']} failed-task log tails)" if r["tails"] else "")
            + f" | {ok(r['upstream'] - r['tails'] <= r['bound'])} |"
        )
    ten_k = next((r for r in results if r["tasks"] == 10_000 and not r["failed"] and r["theirs"]), None)
    if ten_k:
        t = ten_k["theirs"]
        cached_ratio = t["wall"] / ten_k["ours"]["wall"]
        # The analyzer reads the manifest alone: the like-for-like enrichment is a run without a run cache, which
        # reads the manifest alone too. A cached run must also list its tasks, paced at AWS's 10 requests/s.
        alone = (quota or {}).get("alone", [])
        uncached = next((r for r in alone if r["tasks"] == 10_000 and not r["cached"]), None)
        if uncached:
            ratio = t["wall"] / uncached["wall"]
            w(f"| 10k tasks without a run cache (both read the manifest alone): ≥ 10× faster than "
              f"omics-run-analyzer | {ratio:.0f}× ({t['wall']:.2f} s / {uncached['wall']:.2f} s) | {ok(ratio >= 10)} |")
        w(f"| 10k tasks with a run cache (+100 ListRunTasks pages at AWS's 10/s: ≥ 10 s by the quota alone) | "
          f"{cached_ratio:.1f}× ({t['wall']:.2f} s / {ten_k['ours']['wall']:.2f} s) | the quota's floor |")
    if load:
        p99 = load["overheadMs"]["p99"]
        w(f"| lookup handler overhead ≤ 1 ms p99 under load | {p99:.3f} ms | {ok(p99 <= 1.0)} |")
    leaked = [r["label"] for r in results if r["secret_in_logs"]]
    w(
        f"| function logs carry no credentials (the stack's AWS_SECRET_ACCESS_KEY) | "
        f"{sum(r['log_lines'] for r in results)} log lines checked | {ok(not leaked)} |"
    )
    w("")
    w("## How it is measured")
    w("")
    w(
        "- **Enrichment**: `enrich-run invoke --event <file>` is the Lambda handler's code path (`Enricher::handle_event`) "
        "without the runtime; one fresh process per run, so *wall* includes process start, SDK configuration, GetRun, "
        "the whole manifest, ListRunTasks, failed-task details, building the record, and the S3/DynamoDB/EventBridge "
        "writes. *Peak RSS* is that process's own `VmHWM` (/proc, sampled every 20 ms; `wait4`'s `ru_maxrss` would start from the parent's). *Build µs/task* is the function's own "
        "`build_ms` (log line `stored enriched run`: merging the rows, the analysis, the gzip JSON record and the "
        "Parquet lake objects, after every read) divided by the task count."
    )
    w(
        "- **Upstream calls**: HealthOmics from the emulator's `GET /_emulator/stats`; every other AWS call from a "
        "counting proxy between the function and moto (operation from `X-Amz-Target`, S3 by method). *pages* = "
        "GetLogEvents pages of the manifest as AWS serves them (at most 1 MB per response; moto alone would send "
        "10,000 events whatever their size, so the bench packs the messages into 1 MiB pages). enrich-run sizes each "
        "request's `limit` to about 1 MiB of the lines read so far; its first page is sized before any line is seen, "
        "hence the bound's `+1`. The reader's last call is "
        "the empty page whose token equals the one sent — the `2` of the bound counts it with GetRun. Each failed task "
        "costs one GetRunTask and one GetLogEvents for its log tail (up to 100 failed tasks are detailed)."
    )
    w(
        "- **Python analyzer**: `aws-healthomics-tools run_analyzer <id>:<uuid> -o out.csv` (the run analyzer, `omics-run-analyzer`) from PyPI `aws-healthomics-tools` "
        "(pinned in `tests/python/requirements-bench.txt`, installed in `.venv-bench`), reading the same manifest from "
        "the same moto through the same proxy (`AWS_ENDPOINT_URL`). It insists on the AWS Pricing API "
        "(`DescribeServices` at start, then `GetProducts` per instance type and storage kind), which moto does not "
        "emulate: the emulator serves both over the real JSON 1.1 protocol from `tests/fixtures/prices/price-list.jsonl` "
        "(every instance type in four regions; enrich-run prices its runs from the same `GetProducts`), "
        "`AWS_ENDPOINT_URL_PRICING`. The analyzer reads the manifest only (no HealthOmics "
        "calls) and writes a CSV; it stores nothing. Speed-up = analyzer wall / enrich wall."
    )
    w(
        "- **Lookup API**: `bench-load` (tests/src/bin/bench-load.rs) spawns the emulator and the release `local-api`, "
        "then runs N concurrent clients (one connection per request) for a fixed time. Handler overhead is read from "
        "the `Server-Timing` header each response carries (`total` − `upstream`: routing, validation, cursor "
        "signing, JSON, ETag; the AWS SDK call itself is upstream)."
    )
    return "\n".join(out) + "\n"


FLEET_TARGETS = {"summary": 1000.0, "reportsFirstPage": 50.0, "reportsNextPage": 50.0, "profile": 100.0}


def bench_fleet(stack: "Stack", target: Path, runs: int) -> dict | None:
    """The fleet routes over `runs` stored runs written straight to the stack's table (tests/src/bin/bench-fleet.rs)."""
    binary = target / "bench-fleet"
    if not binary.exists() or runs <= 0:
        log(f"{binary} missing or --fleet-runs 0: no fleet rows")
        return None
    log(f"fleet: bench-fleet --runs {runs}")
    env = dict(stack.function_env(), RUST_LOG="warn")
    done = subprocess.run([str(binary), "--runs", str(runs), "--local-api", str(target / "local-api")],
                          env=env, capture_output=True, text=True, timeout=1800)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"bench-fleet printed no BENCH_JSON line:\n{done.stdout}\n{done.stderr}")


def render_fleet(fleet: dict) -> str:
    rows = [
        f"## Fleet routes over {fleet['runs']:,} stored runs (`bench-fleet`, release `local-api`, moto)",
        "",
        f"Seeded in {fleet['seedSeconds']:.1f} s; `/fleet/summary` summed {fleet['summedRuns']:,} runs.",
        "",
        "| route | p50 ms | max ms | target ms | met | DynamoDB RCU per request |",
        "|---|---|---|---|---|---|",
    ]
    names = {"summary": "`GET /fleet/summary` (all runs, by workflow)", "reportsFirstPage": "`GET /reports` first page",
             "reportsNextPage": "`GET /reports` next page", "profile": "`GET /workflows/{id}/profile?runs=20`"}
    for key, label in names.items():
        row = fleet[key]
        met = "yes" if row["p50Ms"] <= FLEET_TARGETS[key] else "no"
        rows.append(f"| {label} | {row['p50Ms']:.1f} | {row.get('maxMs', row['p50Ms']):.1f} | "
                    f"{FLEET_TARGETS[key]:.0f} | {met} | {row['rcu']} |")
    return "\n".join(rows) + "\n"


TRACK_TARGETS = {"seconds": 60.0, "unitsPerEvent": 2.0}


def bench_track(stack: "Stack", target: Path, workdir: Path, tasks: int, batch: int) -> dict | None:
    """A synthetic run's whole event stream through `track-run invoke` (tests/src/synthetic/events.rs)."""
    binary = target / "track-run"
    if not binary.exists() or tasks <= 0:
        log(f"{binary} missing or --track-tasks 0: no live-run rows")
        return None
    events = workdir / "live-events.jsonl"
    subprocess.run([str(target / "synth-run"), "--run-id", "7900001", "--tasks", str(tasks), "--failed", "5",
                    "--status", "FAILED", "--events", str(events)], check=True, capture_output=True)
    log(f"live: track-run invoke --events ({tasks} tasks) --batch-size {batch}")
    out = workdir / "track-run.out"
    with out.open("w") as stdout, (workdir / "track-run.err").open("w") as stderr:
        measured = run_measured([str(binary), "invoke", "--events", str(events), "--batch-size", str(batch)],
                                dict(stack.function_env(), RUST_LOG="warn"), stdout, stderr, timeout=900)
    if measured["code"] != 0:
        raise RuntimeError(f"track-run invoke failed ({measured['code']}): {(workdir / 'track-run.err').read_text()[-2000:]}")
    summary = json.loads(out.read_text().strip().splitlines()[-1])
    return dict(summary, tasks=tasks, batch=batch, wall=measured["wall"], cpu=measured["cpu"],
                maxrssKib=measured["maxrss_kib"])


def render_track(t: dict) -> str:
    per_event = t["writeUnits"] / max(t["events"], 1)
    rows = [
        f"## Live runs: a {t['tasks']:,}-task run's event stream through `track-run invoke` (release, moto)",
        "",
        f"`synth-run --events` (run and task status changes in the real shapes), {t['messages']:,} events fed as "
        f"SQS batches of {t['batch']:,}; write units as DynamoDB bills them (1 per started KB of each item written, "
        "1 per small update or delete), counted by the store.",
        "",
        "| events | wall | events/s | CPU | peak RSS | write units | per event |",
        "|---|---|---|---|---|---|---|",
        f"| {t['events']:,} | {t['wall']:.1f} s | {t['events'] / max(t['wall'], 1e-9):,.0f} | {t['cpu']:.1f} s | "
        f"{t['maxrssKib'] / 1024:.1f} MiB | {t['writeUnits']:,.0f} | {per_event:.3f} |",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| whole stream in < {TRACK_TARGETS['seconds']:.0f} s | {t['wall']:.1f} s | "
        f"{'met' if t['wall'] < TRACK_TARGETS['seconds'] else '**missed**'} |",
        f"| ≤ {TRACK_TARGETS['unitsPerEvent']:.0f} write units per event | {per_event:.3f} | "
        f"{'met' if per_event <= TRACK_TARGETS['unitsPerEvent'] else '**missed**'} |",
    ]
    return "\n".join(rows) + "\n"


PAGE_TARGET_MS = 2000.0


def chromium_ready_ms(html: Path, workdir: Path, runs: int = 3) -> list[float]:
    """Times from navigation start until the run page's script is ready (`window.__runPageReady`, set once the
    table is drawn), in headless Chromium driven over the DevTools protocol; one fresh load per run."""
    import shutil
    import websocket  # websocket-client, from tests/python/requirements-bench.txt

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise RuntimeError("chromium is not installed (apt-get install chromium): no run page row")
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=workdir))
    err = workdir / "chromium.err"
    with err.open("w") as stderr:
        process = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={profile}",
             "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL)
    try:
        wait_until(lambda: "DevTools listening on" in err.read_text() or None, "chromium", timeout=30)
        browser_ws = next(line.split()[-1] for line in err.read_text().splitlines() if "DevTools listening on" in line)
        port = int(browser_ws.split(":")[2].split("/")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        ws = websocket.create_connection(page, timeout=60)
        ids = iter(range(1, 1_000_000))

        def call(method: str, params: dict) -> dict:
            ident = next(ids)
            ws.send(json.dumps({"id": ident, "method": method, "params": params}))
            while True:
                message = json.loads(ws.recv())
                if message.get("id") == ident:
                    return message.get("result", {})

        times = []
        for _ in range(runs):
            call("Page.navigate", {"url": html.resolve().as_uri()})
            started = time.monotonic()
            while True:
                value = call("Runtime.evaluate", {"expression": "window.__runPageReady", "returnByValue": True})
                ready = value.get("result", {}).get("value")
                if isinstance(ready, (int, float)):
                    times.append(float(ready))
                    break
                if time.monotonic() - started > 120:
                    raise RuntimeError(f"the run page never became ready ({html})")
                time.sleep(0.05)
        ws.close()
        return times
    finally:
        process.kill()
        process.wait()


def bench_page(stack: "Stack", target: Path, workdir: Path, results: list[dict]) -> dict | None:
    """The largest pipeline run's page: `render-run-page invoke` (release; reads the stored record, writes
    report.html) measured like enrich-run, then the page opened in headless Chromium."""
    binary = target / "render-run-page"
    candidates = [r for r in results if r["shape"] == "pipeline" and not r["failed"]]
    if not binary.exists() or not candidates:
        log(f"{binary} missing or no pipeline run: no run page row")
        return None
    run = max(candidates, key=lambda r: r["tasks"])
    run_id, uuid = run["run_id"], run["uuid"]
    log(f"run page: render-run-page invoke --run-id {run_id} ({run['tasks']} tasks)")
    out = workdir / "render-run-page.out"
    with out.open("w") as stdout, (workdir / "render-run-page.err").open("w") as stderr:
        measured = run_measured([str(binary), "invoke", "--run-id", run_id, "--uuid", uuid],
                                dict(stack.function_env(), RUST_LOG="warn"), stdout, stderr, timeout=600)
    if measured["code"] != 0:
        raise RuntimeError(f"render-run-page failed: {(workdir / 'render-run-page.err').read_text()[-2000:]}")
    answer = json.loads(out.read_text().strip().splitlines()[-1])
    import boto3
    import gzip

    s3 = boto3.client("s3", endpoint_url=stack.moto_url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = stack.base_env["REPORTS_BUCKET_NAME"]
    body = s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/{uuid}/report.html")["Body"].read()
    html = workdir / "run-page.html"
    html.write_bytes(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
    log(f"run page: {html.stat().st_size:,} bytes of HTML; opening it in headless Chromium")
    ready = chromium_ready_ms(html, workdir)
    return dict(tasks=run["tasks"], answer=answer, measured=measured, html_bytes=html.stat().st_size,
                ready_ms=ready)


def render_page(p: dict) -> str:
    ready = sorted(p["ready_ms"])
    median = ready[len(ready) // 2]
    m = p["measured"]
    rows = [
        f"## The run page of a {p['tasks']:,}-task run (`render-run-page invoke`, release; headless Chromium)",
        "",
        "`render-run-page` reads the stored record from S3 (moto) and writes `report.html` (gzip) beside it, as it does "
        "on each `Run Enriched` event; the page is then opened from disk in Debian's headless Chromium over the "
        f"DevTools protocol, {len(ready)} fresh loads. *Interactive*: navigation start until the page's script has "
        "drawn the task table (`window.__runPageReady`).",
        "",
        "| tasks | draw wall | draw CPU | draw peak RSS | page gzip | page HTML | interactive (median) | all loads |",
        "|---|---|---|---|---|---|---|---|",
        f"| {p['tasks']:,} | {m['wall']:.1f} s | {m['cpu']:.1f} s | {m['maxrss_kib'] / 1024:.1f} MiB | "
        f"{p['answer'].get('bytes', 0) / 1e6:.1f} MB | {p['html_bytes'] / 1e6:.1f} MB | {median:.0f} ms | "
        + ", ".join(f"{t:.0f}" for t in ready) + " ms |",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| interactive in ≤ {PAGE_TARGET_MS / 1000:.0f} s headless | {median:.0f} ms | "
        f"{'met' if median <= PAGE_TARGET_MS else '**missed**'} |",
    ]
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default="1000,10000,100000", help="run sizes (comma-separated)")
    parser.add_argument("--failed-run", type=int, default=10000, help="also a FAILED run of this size (0: none)")
    parser.add_argument("--failed-tasks", type=int, default=5)
    parser.add_argument("--python-tasks", default="1000,10000,100000", help="sizes the Python analyzer also reads")
    parser.add_argument("--adversarial-tasks", default="100000",
                        help="sizes also enriched in synth-run's adversarial shape (comma-separated; empty: none)")
    parser.add_argument("--python-timeout", type=float, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--target-dir", default=None, help="release binaries (default target/release)")
    parser.add_argument("--write", default=None, help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, CSVs)")
    parser.add_argument("--quota-tasks", default="1000,10000,100000",
                        help="run sizes enriched alone under the quota, with and without a run cache (empty: no quota rows)")
    parser.add_argument("--quota-uncached-target", type=int, default=20000, help="also this size without a run cache")
    parser.add_argument("--quota-concurrent", type=int, default=10000, help="size of the four runs enriched at once")
    parser.add_argument("--quota-only", action="store_true", help="only the quota rows (no analyzer, no API load)")
    parser.add_argument("--fleet-runs", type=int, default=10000, help="stored runs of the fleet rows (0: none)")
    parser.add_argument("--track-tasks", type=int, default=100000, help="tasks of the live-run stream (0: none)")
    parser.add_argument("--track-batch", type=int, default=1000, help="SQS batch size of the live-run stream")
    parser.add_argument("--no-page", action="store_true", help="no run page row (render-run-page, Chromium)")
    args = parser.parse_args()
    args.quota_tasks = [int(x) for x in args.quota_tasks.split(",") if x]
    args.python_tasks = {int(x) for x in args.python_tasks.split(",") if x}
    args.adversarial_tasks = [int(x) for x in args.adversarial_tasks.split(",") if x]
    sizes = [int(x) for x in args.tasks.split(",") if x]
    target = Path(args.target_dir or Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release")
    needed = ["enrich-run", "omics-emulator", "synth-run"] + (["local-api"] if args.concurrency else [])
    for binary in needed:
        if not (target / binary).exists():
            sys.exit(f"bench: {target / binary} missing: cargo build --release -p enrich-run -p local-api "
                     "-p omics-introspect-tests --bins")

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="omics-bench-"))
    log(f"work directory {workdir}")
    stack = Stack(target, workdir)
    results = []
    try:
        plan = [] if args.quota_only else [(n, 0, "pipeline") for n in sizes]
        if args.failed_run and not args.quota_only:
            plan.append((args.failed_run, args.failed_tasks, "pipeline"))
        if not args.quota_only:
            plan.extend((n, 0, "adversarial") for n in args.adversarial_tasks)
        for index, (tasks, failed, shape) in enumerate(plan):
            results.append(bench_size(stack, args, target, tasks, failed, index, shape))
            r = results[-1]
            log(
                f"{r['label']}: ours {r['ours']['wall']:.2f} s {r['ours']['maxrss_kib'] / 1024:.1f} MiB, "
                f"upstream {r['upstream']} (bound {r['bound']}); analyzer "
                + (f"{r['theirs']['wall']:.2f} s" if r["theirs"] else "not run")
            )
        quota = bench_quota(stack, target, args) if args.quota_tasks else None
        fleet = None if args.quota_only else bench_fleet(stack, target, args.fleet_runs)
        track = None if args.quota_only else bench_track(stack, target, workdir, args.track_tasks, args.track_batch)
        page = None if args.quota_only or args.no_page else bench_page(stack, target, workdir, results)
    finally:
        stack.stop()
    load = None
    if args.concurrency > 0 and not args.quota_only:
        if (target / "bench-load").exists():
            load = api_load(target, args)
        else:
            log(f"{target / 'bench-load'} missing: no API load figures (cargo build --release -p omics-introspect-tests)")
    report = render(results, load, binary_sizes(target), args, time.monotonic() - started, quota)
    if fleet:
        report = report.rstrip("\n") + "\n\n" + render_fleet(fleet)
    if track:
        report = report.rstrip("\n") + "\n\n" + render_track(track)
    if page:
        report = report.rstrip("\n") + "\n\n" + render_page(page)
    print(report)
    if args.write:
        Path(args.write).write_text(report)
        log(f"wrote {args.write}")
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
