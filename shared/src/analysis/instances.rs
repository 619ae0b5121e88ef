//! HealthOmics instance types: what `omics.<family>.<size>` holds, and the smallest one that fits a need.
//!
//! Families `c`, `m`, `r` have 2, 4 and 8 GiB per vCPU; sizes run `large` (2 vCPUs) to `48xlarge` (192). GPU
//! families (`g4dn`, `g5`, `g6`, `g6e`) are recognised so their tasks keep their type.

/// Sizes from small to large, with their vCPUs.
pub const SIZES: &[(&str, u32)] = &[
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("4xlarge", 16),
    ("8xlarge", 32),
    ("12xlarge", 48),
    ("16xlarge", 64),
    ("24xlarge", 96),
    ("32xlarge", 128),
    ("48xlarge", 192),
];

/// General-purpose families in right-sizing order, with their GiB per vCPU.
pub const FAMILIES: &[(&str, u32)] = &[("c", 2), ("m", 4), ("r", 8)];

/// Accelerated (GPU) families.
pub const GPU_FAMILIES: &[&str] = &["g4dn", "g5", "g6", "g6e"];

/// What an instance type holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec {
    /// `omics.<family>.<size>`.
    pub name: String,
    /// `c`, `m`, `r`, `g5`, ...
    pub family: String,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory, GiB (`None` for GPU types, whose memory this crate does not tabulate).
    pub memory_gib: Option<u32>,
    /// Whether the family has GPUs.
    pub gpu: bool,
}

/// Parses `omics.<family>.<size>`; `None` for anything else.
pub fn parse(name: &str) -> Option<InstanceSpec> {
    let mut parts = name.split('.');
    let (Some("omics"), Some(family), Some(size), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let vcpus = SIZES.iter().find(|(s, _)| *s == size)?.1;
    if let Some((_, per_cpu)) = FAMILIES.iter().find(|(f, _)| *f == family) {
        return Some(InstanceSpec {
            name: name.to_owned(),
            family: family.to_owned(),
            vcpus,
            memory_gib: Some(vcpus * per_cpu),
            gpu: false,
        });
    }
    GPU_FAMILIES.contains(&family).then(|| InstanceSpec {
        name: name.to_owned(),
        family: family.to_owned(),
        vcpus,
        memory_gib: None,
        gpu: true,
    })
}

/// Whether `name` is a GPU instance type.
pub fn is_gpu(name: &str) -> bool {
    parse(name).is_some_and(|spec| spec.gpu)
}

/// The smallest general-purpose instance with at least `vcpus` and `memory_gib`: sizes small to large, and within
/// a size families `c` → `m` → `r`; the first that fits wins. `None` when even the largest does not fit.
pub fn smallest_fit(vcpus: u32, memory_gib: u32) -> Option<InstanceSpec> {
    for (size, cpus) in SIZES {
        if *cpus < vcpus {
            continue;
        }
        for (family, per_cpu) in FAMILIES {
            if cpus * per_cpu >= memory_gib {
                return Some(InstanceSpec {
                    name: format!("omics.{family}.{size}"),
                    family: (*family).to_owned(),
                    vcpus: *cpus,
                    memory_gib: Some(cpus * per_cpu),
                    gpu: false,
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_general_and_gpu_types() {
        let r = parse("omics.r.2xlarge").unwrap();
        assert_eq!((r.vcpus, r.memory_gib, r.gpu), (8, Some(64), false));
        let c = parse("omics.c.48xlarge").unwrap();
        assert_eq!((c.vcpus, c.memory_gib), (192, Some(384)));
        let g = parse("omics.g5.2xlarge").unwrap();
        assert_eq!((g.vcpus, g.gpu), (8, true));
        assert!(is_gpu("omics.g4dn.xlarge"));
        assert!(!is_gpu("omics.m.large"));
        for bad in [
            "m5.large",
            "omics.x.large",
            "omics.c.huge",
            "omics.c.large.x",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn smallest_fit_walks_sizes_then_families() {
        let name = |cpus, mem| smallest_fit(cpus, mem).map(|s| s.name);
        // The user guide's example: 8 vCPUs and 64 GiB → omics.r.2xlarge.
        assert_eq!(name(8, 64).as_deref(), Some("omics.r.2xlarge"));
        assert_eq!(name(1, 1).as_deref(), Some("omics.c.large"));
        assert_eq!(name(0, 0).as_deref(), Some("omics.c.large"));
        assert_eq!(name(2, 5).as_deref(), Some("omics.m.large"));
        assert_eq!(name(2, 9).as_deref(), Some("omics.r.large"));
        // 17 GiB does not fit any large (max 16): the next size's c (8 GiB) fails, m (16) fails, r (32) fits.
        assert_eq!(name(2, 17).as_deref(), Some("omics.r.xlarge"));
        assert_eq!(name(3, 4).as_deref(), Some("omics.c.xlarge"));
        assert_eq!(name(192, 1536).as_deref(), Some("omics.r.48xlarge"));
        assert_eq!(name(193, 1), None);
        assert_eq!(name(2, 1537), None);
    }
}
