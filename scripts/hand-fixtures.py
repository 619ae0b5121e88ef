"""Builds the hand-shaped fixtures tests/fixtures/runs/1000001..1000005 (run.json, tasks.json, manifest.jsonl).

The output is committed; this script documents how it was made and rebuilds it byte for byte
(`python3 scripts/hand-fixtures.py`). Every quirk is placed on purpose: see tests/fixtures/README.md. The
250-task fixture 1000006 comes from the Rust generator instead (`make fixtures`).
"""
import json, random, uuid, os, datetime as dt

ACCT = "123456789012"; REGION = "us-east-1"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "runs")
# The one instance catalogue, shared with the Rust analysis and the synthetic generator.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shared", "data", "instances.json")) as f:
    CATALOGUE = json.load(f)
SIZES = [(s["size"], s["vcpus"]) for s in CATALOGUE["sizes"]]
FAMS = [(f["family"], f["gibPerVcpu"]) for f in CATALOGUE["generalFamilies"]]
GPU_TASK_TYPE = next(g for g in CATALOGUE["gpuTypes"] if g["name"] == "omics.g5.2xlarge")

def inst(cpus, mem, gpu=False):
    if gpu:
        g = GPU_TASK_TYPE
        return (g["name"], g["vcpus"], g["memoryGib"], g["gpus"])
    for size, v in SIZES:
        if v < cpus: continue
        for fam, per in FAMS:
            if v * per >= mem:
                return (f"omics.{fam}.{size}", v, v * per, 0)
    raise ValueError

def ms_iso(t):  # datetime -> 2024-10-20T05:43:35.516Z
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

def rnd_uuid(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))

def sha(r):
    return "%064x" % r.getrandbits(256)

def run_arn(i): return f"arn:aws:omics:{REGION}:{ACCT}:run/{i}"
def stream(run_id, suffix=""): return f"arn:aws:logs:{REGION}:{ACCT}:log-group:/aws/omics/WorkflowLog:log-stream:run/{run_id}{suffix}"
def ecr(img): return f"{ACCT}.dkr.ecr.{REGION}.amazonaws.com/{img}"

class Builder:
    def __init__(self, run_id, seed, task_base):
        self.run_id = run_id; self.r = random.Random(seed); self.next_id = task_base
        self.tasks = []; self.lines = []; self.digests = {}
    def digest(self, image):
        if image not in self.digests: self.digests[image] = "sha256:" + sha(self.r)
        return self.digests[image]
    def task(self, name, cpus, mem, image, source, status="COMPLETED", created=None, started=None, stopped=None,
             gpu=False, cached=False, failure=None, msg=None, ts=None, mstatus=None, extra=None, in_manifest=True,
             oom=False):
        r = self.r
        self.next_id += r.randint(1, 9)
        tid = str(self.next_id); tuuid = rnd_uuid(r)
        itype, vcpu, vmem, vgpu = inst(cpus, mem, gpu)
        api = {"taskId": tid, "uuid": tuuid, "status": status, "name": name, "cpus": cpus, "memory": mem,
               "gpus": 1 if gpu else 0}
        if not cached: api["instanceType"] = itype
        api["cacheHit"] = cached
        if cached:
            api["cacheS3Uri"] = f"s3://omics-introspect-demo-cache/2711902/{name.split('-')[0]}/{sha(r)[:32]}/"
        for k, v in (("creationTime", created), ("startTime", started), ("stopTime", stopped)):
            if v is not None: api[k] = ms_iso(v)
        if msg: api["statusMessage"] = msg
        if status not in ("PENDING",) and not cached and started is not None:
            api["logStream"] = stream(self.run_id, f"/task/{tid}")
        if failure: api["failureReason"] = failure
        api["imageDetails"] = {"image": ecr(image), "imageDigest": self.digest(image), "sourceImage": source}
        self.tasks.append(api)
        if not in_manifest: return api
        fmt = ts or ms_iso
        m = {"arn": f"arn:aws:omics:{REGION}:{ACCT}:task/{tid}", "uuid": tuuid, "name": name,
             "status": mstatus or status, "run": run_arn(self.run_id), "cpus": cpus, "memory": mem,
             "gpus": 1 if gpu else 0}
        if not cached: m["instanceType"] = itype
        else: m["cacheHit"] = True; m["cacheS3Uri"] = api["cacheS3Uri"]
        m["image"] = ecr(image); m["imageDigest"] = self.digest(image)
        for k, v in (("creationTime", created), ("startTime", started), ("stopTime", stopped)):
            if v is not None: m[k] = fmt(v)
        if failure: m["failureReason"] = failure
        if started is not None and stopped is not None and not cached:
            secs = round((stopped - started).total_seconds(), 3)
            ca = round(cpus * r.uniform(0.25, 0.9), 2)
            cm = max(ca, round(min(vcpu, ca * r.uniform(1.1, 1.9)), 2))
            if oom:
                mm = round(vmem * r.uniform(0.975, 0.999), 4); ma = round(mm * r.uniform(0.55, 0.8), 4)
            else:
                ma = round(mem * r.uniform(0.15, 0.65), 4); mm = max(ma, round(min(vmem, ma * r.uniform(1.1, 1.7)), 4))
            m["metrics"] = {"cpusReserved": vcpu, "cpusMaximum": cm, "cpusAverage": ca, "gpusReserved": vgpu,
                            "memoryReservedGiB": vmem, "memoryMaximumGiB": mm, "memoryAverageGiB": ma,
                            "runningSeconds": secs}
        if extra: m.update(extra)
        self.lines.append(m)
        return api

def dump_line(obj, slashes=False):
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("/", "\\/") if slashes else s

def write(run_id, run, tasks, lines_text):
    d = os.path.join(ROOT, str(run_id)); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "run.json"), "w") as f: f.write(json.dumps(run, indent=2) + "\n")
    with open(os.path.join(d, "tasks.json"), "w") as f: f.write(json.dumps(tasks, indent=2) + "\n")
    p = os.path.join(d, "manifest.jsonl")
    if lines_text is None:
        if os.path.exists(p): os.remove(p)
    else:
        with open(p, "w") as f: f.write("".join(l + "\n" for l in lines_text))

def T(s):  # "2024-10-20T05:12:08.314" -> datetime
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f")

S = dt.timedelta(seconds=1)
def jitter(r, lo, hi): return dt.timedelta(milliseconds=r.randint(int(lo * 1000), int(hi * 1000)))

GATK = ("gatk:4.5.0.0", "broadinstitute/gatk:4.5.0.0")
BWA = ("bwa:0.7.17", "biocontainers/bwa:0.7.17")
PICARD = ("picard:3.1.1", "broadinstitute/picard:3.1.1")
PB = ("clara-parabricks:4.3.1-1", "nvcr.io/nvidia/clara/clara-parabricks:4.3.1-1")

# ---------------------------------------------------------------- a. 1000001 COMPLETED WDL germline
def fixture_a():
    rid = "1000001"; b = Builder(rid, 1001, 6100000); r = b.r
    created = T("2024-10-20T05:12:08.314"); start = T("2024-10-20T05:20:41.087")
    t = start + jitter(r, 150, 200)  # after input import
    def phase(call, n, cpus, mem, img, dur, gpu=False, cached_first=False):
        nonlocal t
        end = t
        for i in range(n):
            if cached_first and i == 0:
                b.task(f"{call}-{i}-1", cpus, mem, img[0], img[1], cached=True); continue
            c = t + jitter(r, 0, 4); s = c + jitter(r, 20, 140); e = s + jitter(r, dur * 0.75, dur * 1.25)
            b.task(f"{call}-{i}-1", cpus, mem, img[0], img[1], created=c, started=s, stopped=e, gpu=gpu)
            end = max(end, e)
        t = end + jitter(r, 4, 30)
    phase("GetBwaVersion", 1, 1, 2, BWA, 25, cached_first=True)
    phase("BwaMem", 6, 16, 32, BWA, 1900)
    phase("MergeBamAlignment", 6, 2, 8, GATK, 620)
    phase("MarkDuplicates", 1, 4, 32, PICARD, 2500)
    phase("SortAndFixTags", 1, 8, 32, GATK, 1500)
    phase("BaseRecalibrator", 4, 2, 6, GATK, 430)
    phase("GatherBqsrReports", 1, 1, 4, GATK, 40)
    phase("ApplyBQSR", 4, 2, 6, GATK, 520)
    phase("GatherBamFiles", 1, 2, 4, GATK, 300)
    phase("HaplotypeCaller", 4, 4, 16, GATK, 1250)
    phase("DeepVariantGpu", 1, 8, 32, PB, 880, gpu=True)
    phase("MergeVCFs", 1, 2, 8, GATK, 130)
    stop = t + jitter(r, 120, 300)
    wf = "5123907"; digest = "sha256:" + sha(r)
    params = {"sample_name": "NA12878",
              "fastq_1": "s3://omics-introspect-demo-input/NA12878/NA12878_R1.fastq.gz",
              "fastq_2": "s3://omics-introspect-demo-input/NA12878/NA12878_R2.fastq.gz",
              "ref_fasta": "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta",
              "ref_fasta_index": "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta.fai",
              "ref_dict": "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.dict",
              "scatter_count": 4}
    rdig = {params["fastq_1"]: "etag:3884c62eb0e53fa92459ed9bff133ae6",
            params["fastq_2"]: "etag:9b1d0f0e6a2c4e27b0c5a8e1d3f47c10",
            params["ref_fasta"]: "etag:e307d81c605fb91b7720a08f00276842-388",
            params["ref_fasta_index"]: "etag:f76371b113734a56cde236bc0372de0a",
            params["ref_dict"]: "etag:3884c62eb0e53fa92459ed9bff133ae7",
            ecr(GATK[0]): b.digest(GATK[0]), ecr(BWA[0]): b.digest(BWA[0]),
            ecr(PICARD[0]): b.digest(PICARD[0]), ecr(PB[0]): b.digest(PB[0])}
    uid = "3f8a2c1e-6b7d-4e9f-8a0b-1c2d3e4f5a6b"
    run = {"arn": run_arn(rid), "id": rid, "uuid": uid, "name": "germline-NA12878-2024-10-20", "status": "COMPLETED",
           "workflowId": wf, "workflowType": "PRIVATE", "workflowVersionName": "2.1.0", "digest": digest,
           "parameters": params, "resourceDigests": rdig, "priority": 100, "storageType": "STATIC",
           "storageCapacity": 1200, "outputUri": "s3://omics-introspect-demo-output/germline",
           "runOutputUri": f"s3://omics-introspect-demo-output/germline/{rid}",
           "roleArn": f"arn:aws:iam::{ACCT}:role/OmicsWorkflowRole", "runGroupId": "2711902",
           "startedBy": f"arn:aws:sts::{ACCT}:assumed-role/OmicsOperator/pipeline-bot",
           "creationTime": ms_iso(created), "startTime": ms_iso(start), "stopTime": ms_iso(stop), "logLevel": "ALL",
           "logLocation": {"engineLogStream": stream(rid, "/engine"), "runLogStream": stream(rid)},
           "retentionMode": "RETAIN", "cacheId": "8804512", "cacheBehavior": "CACHE_ALWAYS",
           "tags": {"project": "omics-introspect", "sample": "NA12878", "cost-center": "genomics-platform"}}
    head = {"arn": run_arn(rid), "uuid": uid, "name": run["name"], "status": "COMPLETED", "digest": digest,
            "engine": "WDL", "main": "germline.wdl",
            "workflow": f"arn:aws:omics:{REGION}:{ACCT}:workflow/{wf}", "outputUri": run["outputUri"],
            "roleArn": run["roleArn"], "startedBy": run["startedBy"], "parameters": params,
            "parameterTemplate": {k: {"description": d, "optional": o} for k, d, o in [
                ("sample_name", "Sample name used in output file names", False), ("fastq_1", "Read 1 FASTQ", False),
                ("fastq_2", "Read 2 FASTQ", False), ("ref_fasta", "Reference FASTA", False),
                ("ref_fasta_index", "Reference FASTA index", False), ("ref_dict", "Reference dictionary", False),
                ("scatter_count", "HaplotypeCaller shards", True)]},
            "resourceDigests": rdig, "storageType": "STATIC", "storageCapacity": 1200,
            "creationTime": ms_iso(created), "startTime": ms_iso(start), "stopTime": ms_iso(stop),
            "metrics": {"storageReservedGiB": 1200, "storageMaximumGiB": 412.77, "storageAverageGiB": 238.14,
                        "runningSeconds": round((stop - start).total_seconds(), 3)}}
    # quirk: one task says SUCCESS in the manifest (the API says COMPLETED)
    for l in b.lines:
        if l["name"] == "GatherBqsrReports-0-1": l["status"] = "SUCCESS"
    tl = b.lines[:]; random.Random(7).shuffle(tl)
    out = [dump_line(head, slashes=True)]
    for i, l in enumerate(tl):
        out.append(dump_line(l, slashes=(i % 9 == 2)))
    write(rid, run, b.tasks, out)

# ---------------------------------------------------------------- b. 1000002 FAILED
def fixture_b():
    rid = "1000002"; b = Builder(rid, 1002, 6200000); r = b.r
    created = T("2024-11-04T14:02:51.000"); start = T("2024-11-04T14:09:13.000")
    nofrac = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    def whole(t): return t.replace(microsecond=0)
    t0 = whole(start + 170 * S)
    done = []
    def run_task(name, cpus, mem, img, c, dur, status="COMPLETED", **kw):
        s = whole(c + jitter(r, 20, 90)); e = whole(s + dur * S)
        ts = nofrac if len(done) % 2 == 0 else None  # every other task without fractional seconds
        api = b.task(name, cpus, mem, img[0], img[1], status=status, created=c, started=s, stopped=e, ts=ts, **kw)
        done.append(api); return e
    e1 = run_task("GetBwaVersion-0-1", 1, 2, BWA, t0, 24)
    for i in range(3):
        run_task(f"CollectQualityYieldMetrics-{i}-1", 1, 2, GATK, whole(t0 + jitter(r, 0, 3)), 200 + 37 * i)
    bwa_end = [run_task(f"BwaMem-{i}-1", 16, 32, BWA, whole(e1 + 9 * S), 1700 + 150 * i) for i in range(2)]
    c2 = whole(e1 + 9 * S); s2 = whole(c2 + 41 * S)
    mba0_end = run_task("MergeBamAlignment-0-1", 2, 4, GATK, whole(bwa_end[0] + 6 * S), 455)
    fail_c = whole(bwa_end[1] + 7 * S)
    fail_end = run_task("MergeBamAlignment-1-1", 2, 4, GATK, fail_c, 431, status="FAILED", oom=True,
                        failure="Task failed with exit code 137",
                        msg="Essential container in task exited: OutOfMemoryError: Container killed due to memory usage (exit code 137)")
    failed_api = b.tasks[-1]
    assert mba0_end + 5 * S < fail_end, (mba0_end, fail_end)
    # still running when the run failed: cancelled, with start and stop
    s_c = whole(c2 + 44 * S)
    b.task("BwaMem-2-1", 16, 32, BWA[0], BWA[1], status="CANCELLED", created=c2, started=s_c, stopped=fail_end + 3 * S,
           msg="Task cancelled because the run failed")
    # queued, never started: cancelled, creation and stop only, not in the (partial) manifest
    b.task("ValidateSamFile-0-1", 1, 4, GATK[0], GATK[1], status="CANCELLED", created=whole(mba0_end + 5 * S),
           stopped=fail_end + 3 * S, msg="Task cancelled because the run failed", in_manifest=False)
    b.tasks.sort(key=lambda x: x.get("creationTime", ""))
    stop = fail_end + 96 * S
    wf = "5123907"; digest = "sha256:" + sha(r); uid = "b7c41d09-2e5f-4a83-9d6c-0f1e2a3b4c5d"
    params = {"sample_name": "HG002", "fastq_1": "s3://omics-introspect-demo-input/HG002/HG002_R1.fastq.gz",
              "fastq_2": "s3://omics-introspect-demo-input/HG002/HG002_R2.fastq.gz",
              "ref_fasta": "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta",
              "scatter_count": 3}
    msg = (f"Workflow task failed: MergeBamAlignment-1-1, id: {failed_api['taskId']}. "
           "Task failed with exit code 137. Check the task log for details.")
    run = {"arn": run_arn(rid), "id": rid, "uuid": uid, "name": "germline-HG002-lowmem-test", "status": "FAILED",
           "statusMessage": msg, "failureReason": "WORKFLOW_RUN_FAILED",
           "workflowId": wf, "workflowType": "PRIVATE", "workflowVersionName": "2.1.0", "digest": digest,
           "parameters": params, "resourceDigests": {params["fastq_1"]: "etag:51c0b7f1e2d3a4958677a8b9c0d1e2f3",
                                                     params["fastq_2"]: "etag:62d1c802f3e4b5a69788b9c0d1e2f304",
                                                     params["ref_fasta"]: "etag:e307d81c605fb91b7720a08f00276842-388"},
           "priority": 100, "storageType": "STATIC", "storageCapacity": 1200,
           "outputUri": "s3://omics-introspect-demo-output/germline",
           "runOutputUri": f"s3://omics-introspect-demo-output/germline/{rid}",
           "roleArn": f"arn:aws:iam::{ACCT}:role/OmicsWorkflowRole", "runGroupId": "2711902",
           "startedBy": f"arn:aws:sts::{ACCT}:assumed-role/Developer/jdoe",
           "creationTime": ms_iso(created), "startTime": ms_iso(start), "stopTime": ms_iso(stop), "logLevel": "ALL",
           "logLocation": {"engineLogStream": stream(rid, "/engine"), "runLogStream": stream(rid)},
           "retentionMode": "RETAIN", "tags": {"project": "omics-introspect", "sample": "HG002"}}
    head = {"arn": run_arn(rid), "uuid": uid, "name": run["name"], "status": "FAILED", "digest": digest,
            "workflow": f"arn:aws:omics:{REGION}:{ACCT}:workflow/{wf}", "outputUri": run["outputUri"],
            "roleArn": run["roleArn"], "startedBy": run["startedBy"], "parameters": params,
            "parameterTemplate": None, "resourceDigests": run["resourceDigests"], "storageType": "STATIC",
            "storageCapacity": 1200, "creationTime": nofrac(created), "startTime": nofrac(start),
            "stopTime": nofrac(stop), "failureReason": "WORKFLOW_RUN_FAILED",
            "metrics": {"storageReservedGiB": 1200, "storageMaximumGiB": 96.31, "storageAverageGiB": 41.07,
                        "runningSeconds": round((stop.replace(microsecond=0) - start).total_seconds(), 3)}}
    for l in b.lines:  # quirk: null optional members in an exported copy
        l.setdefault("failureReason", None)
        if l["name"].startswith("CollectQualityYieldMetrics-1"): l["imageDigest"] = None
    b.lines.sort(key=lambda l: l["creationTime"])
    write(rid, run, b.tasks, [dump_line(head)] + [dump_line(l) for l in b.lines])

# ---------------------------------------------------------------- c. 1000003 CANCELLED
def fixture_c():
    rid = "1000003"; b = Builder(rid, 1003, 6300000); r = b.r
    created = T("2024-12-02T09:30:00.125"); start = T("2024-12-02T09:36:47.640")
    FQC = ("fastqc:0.12.1", "quay.io/biocontainers/fastqc:0.12.1--hdfd78af_0")
    c = start + 95 * S
    cancel = c + 1213.457 * S
    extra = {"retryAttempt": 0, "queueName": "omics-default"}  # quirk: unknown keys
    for i in range(4):
        ci = c + jitter(r, 0, 3); s = ci + jitter(r, 25, 70)
        if i < 2:
            b.task(f"FastQC-{i}-1", 2, 4, FQC[0], FQC[1], created=ci, started=s, stopped=s + jitter(r, 700, 900), extra=extra)
        else:
            b.task(f"FastQC-{i}-1", 2, 4, FQC[0], FQC[1], status="CANCELLED", created=ci, started=s,
                   stopped=cancel + jitter(r, 1, 4), msg="Task cancelled because the run was cancelled", extra=extra)
    stop = cancel + 41.008 * S
    wf = "5200114"; digest = "sha256:" + sha(r); uid = "c93e5f7a-1d2b-4c6e-a8f0-7b9d1e3f5a2c"
    params = {"samples_tsv": "s3://omics-introspect-demo-input/qc/batch-42.tsv"}
    run = {"arn": run_arn(rid), "id": rid, "uuid": uid, "name": "qc-batch-42", "status": "CANCELLED",
           "workflowId": wf, "workflowType": "PRIVATE", "workflowVersionName": "1.0.3", "digest": digest,
           "parameters": params, "resourceDigests": {params["samples_tsv"]: "etag:0f9e8d7c6b5a49382716a5b4c3d2e1f0"},
           "priority": 50, "storageType": "STATIC", "storageCapacity": 1200,
           "outputUri": "s3://omics-introspect-demo-output/qc", "runOutputUri": f"s3://omics-introspect-demo-output/qc/{rid}",
           "roleArn": f"arn:aws:iam::{ACCT}:role/OmicsWorkflowRole",
           "startedBy": f"arn:aws:sts::{ACCT}:assumed-role/Developer/asmith",
           "creationTime": ms_iso(created), "startTime": ms_iso(start), "stopTime": ms_iso(stop), "logLevel": "ERROR",
           "logLocation": {"engineLogStream": stream(rid, "/engine"), "runLogStream": stream(rid)},
           "retentionMode": "REMOVE", "tags": {}}
    head = {"arn": run_arn(rid), "uuid": uid, "name": run["name"], "status": "CANCELLED", "digest": digest,
            "workflow": f"arn:aws:omics:{REGION}:{ACCT}:workflow/{wf}", "outputUri": run["outputUri"],
            "roleArn": run["roleArn"], "startedBy": run["startedBy"], "parameters": params,
            "parameterTemplate": {"samples_tsv": {"description": "Tab-separated sample sheet", "optional": False}},
            "resourceDigests": run["resourceDigests"], "storageType": "STATIC", "storageCapacity": 1200,
            "creationTime": ms_iso(created), "startTime": ms_iso(start), "stopTime": ms_iso(stop),
            "metrics": {"storageReservedGiB": 1200, "storageMaximumGiB": 18.62, "storageAverageGiB": 9.4,
                        "runningSeconds": round((stop - start).total_seconds(), 3)},
            # quirk: members no parser knows
            "workflowType": "PRIVATE", "logLevel": "ERROR", "exportFormatVersion": 2,
            "accountSettings": {"cacheBehavior": None, "retention": "REMOVE"}}
    write(rid, run, b.tasks, [dump_line(head)] + [dump_line(l) for l in b.lines])

# ---------------------------------------------------------------- d. 1000004 Nextflow COMPLETED, DYNAMIC
def fixture_d():
    rid = "1000004"; b = Builder(rid, 1004, 6400000); r = b.r
    created = T("2024-09-10T16:44:22.262"); start = T("2024-09-10T16:56:12.504")
    micro = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%f")  # quirk: microseconds, no zone
    P = "NFCORE_RNASEQ:RNASEQ:"
    IMG = {"FASTQC": ("quay/biocontainers/fastqc:0.12.1--hdfd78af_0", "quay.io/biocontainers/fastqc:0.12.1--hdfd78af_0"),
           "TRIMGALORE": ("quay/biocontainers/trim-galore:0.6.7--hdfd78af_0", "quay.io/biocontainers/trim-galore:0.6.7--hdfd78af_0"),
           "STAR_ALIGN": ("quay/biocontainers/star:2.7.10a--h9ee0642_0", "quay.io/biocontainers/star:2.7.10a--h9ee0642_0"),
           "SALMON_QUANT": ("quay/biocontainers/salmon:1.10.1--h7e5ed60_0", "quay.io/biocontainers/salmon:1.10.1--h7e5ed60_0"),
           "MULTIQC": ("quay/biocontainers/multiqc:1.21--pyhdfd78af_0", "quay.io/biocontainers/multiqc:1.21--pyhdfd78af_0")}
    t = start + 130 * S
    names = []
    def step(proc, path, cpus, mem, dur, samples=("SAMPLE_1", "SAMPLE_2", "SAMPLE_3"), micro_ts=False):
        nonlocal t
        end = t
        for smp in samples:
            c = t + jitter(r, 0, 6); s = c + jitter(r, 30, 120); e = s + jitter(r, dur * 0.8, dur * 1.2)
            if micro_ts:  # whole microseconds, so the API's milliseconds are a truncation
                c, s, e = (x + dt.timedelta(microseconds=r.randint(0, 999)) for x in (c, s, e))
            name = f"{P}{path}{proc}" + (f" ({smp})" if smp else "")
            api = b.task(name, cpus, mem, IMG[proc][0], IMG[proc][1], created=c, started=s, stopped=e,
                         ts=micro if micro_ts else None)
            if micro_ts:  # runningSeconds from the microsecond times, rounded to ms
                b.lines[-1]["metrics"]["runningSeconds"] = round((e - s).total_seconds(), 3)
            end = max(end, e)
        t = end + jitter(r, 5, 25)
    step("FASTQC", "FASTQ_FASTQC_UMITOOLS_TRIMGALORE:", 6, 36, 310, micro_ts=True)
    step("TRIMGALORE", "FASTQ_FASTQC_UMITOOLS_TRIMGALORE:", 12, 72, 900)
    step("STAR_ALIGN", "ALIGN_STAR:", 12, 72, 1850)
    step("SALMON_QUANT", "QUANTIFY_STAR_SALMON:", 6, 36, 620)
    step("MULTIQC", "", 1, 6, 240, samples=(None,))
    stop = t + jitter(r, 150, 260)
    wf = "1122334"; digest = "sha256:" + sha(r); uid = "1a2b3c4d-5e6f-4a7b-8c0d-1e2f3a4b5c6d"
    params = {"input": "s3://omics-introspect-demo-input/rnaseq/samplesheet.csv",
              "outdir": "/mnt/workflow/pubdir", "genome": "GRCh38", "aligner": "star_salmon",
              "igenomes_base": "s3://omics-introspect-demo-references/igenomes"}
    run = {"arn": run_arn(rid), "id": rid, "uuid": uid, "name": "nextflow-rnaseq-run", "status": "COMPLETED",
           "workflowId": wf, "workflowType": "PRIVATE", "workflowVersionName": "3.14.0", "digest": digest,
           "parameters": params,
           "resourceDigests": {params["input"]: "etag:8d777f385d3dfec8815d20f7496026dc",
                               ecr(IMG["STAR_ALIGN"][0]): b.digest(IMG["STAR_ALIGN"][0]),
                               ecr(IMG["SALMON_QUANT"][0]): b.digest(IMG["SALMON_QUANT"][0])},
           "priority": 100, "storageType": "DYNAMIC",
           "outputUri": "s3://omics-introspect-demo-output/rnaseq",
           "runOutputUri": f"s3://omics-introspect-demo-output/rnaseq/{rid}",
           "roleArn": f"arn:aws:iam::{ACCT}:role/OmicsWorkflowRole", "runGroupId": "3318840",
           "startedBy": f"arn:aws:sts::{ACCT}:assumed-role/OmicsOperator/pipeline-bot",
           "creationTime": ms_iso(created), "startTime": ms_iso(start), "stopTime": ms_iso(stop), "logLevel": "ALL",
           "logLocation": {"engineLogStream": stream(rid, "/engine"), "runLogStream": stream(rid)},
           "retentionMode": "RETAIN", "engineSettings": {"engineVersion": "24.10", "profile": "test,docker"},
           "tags": {"project": "omics-introspect", "assay": "rnaseq"}}
    head = {"arn": run_arn(rid), "uuid": uid, "name": run["name"], "status": "COMPLETED", "digest": digest,
            "workflow": f"arn:aws:omics:{REGION}:{ACCT}:workflow/{wf}", "outputUri": run["outputUri"],
            "roleArn": run["roleArn"], "startedBy": run["startedBy"], "parameters": params,
            "parameterTemplate": {"input": {"description": "Samplesheet", "optional": False},
                                  "genome": {"description": "iGenomes reference", "optional": True},
                                  "aligner": {"description": "Alignment route", "optional": True}},
            "resourceDigests": run["resourceDigests"], "storageType": "DYNAMIC", "storageCapacity": None,
            "creationTime": ms_iso(created), "startTime": ms_iso(start), "stopTime": ms_iso(stop),
            "metrics": {"storageMaximumGiB": 87.25, "storageAverageGiB": 52.9,
                        "runningSeconds": round((stop - start).total_seconds(), 3)}}
    out = [dump_line(head)] + [dump_line(l) for l in b.lines]
    # quirk: exactly one truncated line (the SAMPLE_2 SALMON_QUANT task)
    k = next(i for i, l in enumerate(b.lines) if "SALMON_QUANT (SAMPLE_2)" in l["name"]) + 1
    out[k] = out[k][: len(out[k]) * 3 // 5]
    write(rid, run, b.tasks, out)

# ---------------------------------------------------------------- e. 1000005 RUNNING, no manifest
def fixture_e():
    rid = "1000005"; b = Builder(rid, 1005, 6500000); r = b.r
    created = T("2025-01-14T08:03:17.770"); start = T("2025-01-14T08:11:02.219")
    t = start + 160 * S
    c = t + jitter(r, 0, 3); s = c + jitter(r, 20, 60); e = s + 23.6 * S
    b.task("GetBwaVersion-0-1", 1, 2, BWA[0], BWA[1], created=c, started=s, stopped=e)
    t = e + 8 * S
    ends = []
    for i in range(4):
        c = t + jitter(r, 0, 3); s = c + jitter(r, 30, 90)
        if i < 2:
            e = s + jitter(r, 1500, 1800); ends.append(e)
            b.task(f"BwaMem-{i}-1", 16, 32, BWA[0], BWA[1], created=c, started=s, stopped=e)
        else:
            b.task(f"BwaMem-{i}-1", 16, 32, BWA[0], BWA[1], status="RUNNING", created=c, started=s)
    c = ends[0] + 6 * S; s = c + 33 * S
    b.task("MergeBamAlignment-0-1", 2, 8, GATK[0], GATK[1], status="RUNNING", created=c, started=s)
    c = ends[1] + 5 * S
    b.task("MergeBamAlignment-1-1", 2, 8, GATK[0], GATK[1], status="PENDING", created=c)
    b.task("CollectQualityYieldMetrics-0-1", 1, 2, GATK[0], GATK[1], status="PENDING", created=c + 1.2 * S)
    b.tasks.sort(key=lambda x: x["creationTime"])
    wf = "5123907"; digest = "sha256:" + sha(r); uid = "e4d5c6b7-a809-4b1c-9d2e-3f4a5b6c7d8e"
    params = {"sample_name": "HG003", "fastq_1": "s3://omics-introspect-demo-input/HG003/HG003_R1.fastq.gz",
              "fastq_2": "s3://omics-introspect-demo-input/HG003/HG003_R2.fastq.gz",
              "ref_fasta": "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta",
              "scatter_count": 4}
    run = {"arn": run_arn(rid), "id": rid, "uuid": uid, "name": "germline-HG003-2025-01-14", "status": "RUNNING",
           "workflowId": wf, "workflowType": "PRIVATE", "workflowVersionName": "2.1.0", "digest": digest,
           "parameters": params, "resourceDigests": {params["fastq_1"]: "etag:7a6b5c4d3e2f10a9b8c7d6e5f4a3b2c1",
                                                     params["fastq_2"]: "etag:8b7c6d5e4f3a21b0c9d8e7f6a5b4c3d2",
                                                     params["ref_fasta"]: "etag:e307d81c605fb91b7720a08f00276842-388"},
           "priority": 100, "storageType": "STATIC", "storageCapacity": 2400,
           "outputUri": "s3://omics-introspect-demo-output/germline",
           "runOutputUri": f"s3://omics-introspect-demo-output/germline/{rid}",
           "roleArn": f"arn:aws:iam::{ACCT}:role/OmicsWorkflowRole", "runGroupId": "2711902",
           "startedBy": f"arn:aws:sts::{ACCT}:assumed-role/OmicsOperator/pipeline-bot",
           "creationTime": ms_iso(created), "startTime": ms_iso(start), "logLevel": "ALL",
           "logLocation": {"engineLogStream": stream(rid, "/engine"), "runLogStream": stream(rid)},
           "retentionMode": "RETAIN", "tags": {"project": "omics-introspect", "sample": "HG003"}}
    write(rid, run, b.tasks, None)

fixture_a(); fixture_b(); fixture_c(); fixture_d(); fixture_e()
