use std::time::Instant;
use omics_introspect::enrich::{EnrichmentBuilder, BuildInputs, ManifestRead};
use omics_introspect::manifest::{ManifestPage, parse_line, ManifestRecord};
use omics_introspect::{RunId, RunStatus};
fn main() {
    let n = 100_000;
    let mut page = ManifestPage::default();
    for i in 0..n {
        let line = format!(r#"{{"arn":"arn:aws:omics:us-east-1:1:task/{}","uuid":"0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a{:04}","name":"HaplotypeCaller-{}-1","status":"COMPLETED","cpus":4,"memory":16,"gpus":0,"instanceType":"omics.m.xlarge","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/gatk:4.5","imageDigest":"sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789","creationTime":"2024-10-20T05:00:00.000Z","startTime":"2024-10-20T05:01:30.000Z","stopTime":"2024-10-20T05:11:30.000Z","metrics":{{"cpusReserved":4,"cpusMaximum":3.5,"cpusAverage":2.1,"gpusReserved":0,"memoryReservedGiB":16,"memoryMaximumGiB":11.2,"memoryAverageGiB":7.3,"runningSeconds":600}}}}"#, 2000000+i, i%10000, i);
        if let Ok(ManifestRecord::Task(t)) = parse_line(&line) { page.tasks.push(*t); }
    }
    let t = Instant::now();
    let mut b = EnrichmentBuilder::new(RunId::parse("1").unwrap(), "u", "g");
    b.add_manifest_page(page);
    b.finish_manifest(ManifestRead { found: true, lines: n as u64, digest: Some("sha256:x".into()), ..Default::default() });
    println!("merge {:?}", t.elapsed());
    let t = Instant::now();
    let built = b.build(BuildInputs { status: RunStatus::Completed, fallback_enriched_at: (chrono::Utc::now(), "clock"), workflow_name: None }).unwrap();
    println!("build {:?} json {} gzip {}", t.elapsed(), built.report.json_bytes, built.report.gzip.len());
}
