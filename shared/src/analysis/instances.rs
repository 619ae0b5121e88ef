//! HealthOmics instance types: what `omics.<family>.<size>` holds, and the smallest one that fits a need.
//!
//! The catalogue is data, `shared/data/instances.json`, read here, by the synthetic run generator (`tests/src`) and
//! by `scripts/hand-fixtures.py`, so the three cannot drift apart. Families `c`, `m`, `r` have 2, 4 and 8 GiB per
//! vCPU; sizes run `large` (2 vCPUs) to `48xlarge` (192). GPU types (`g4dn`, `g5`, `g6`, `g6e`) are listed one by
//! one with their memory and GPUs, so their tasks keep their type and their reservation is known.

use std::sync::LazyLock;

use serde::Deserialize;

/// The catalogue as committed; a test checks that it parses, so the `expect` below cannot fire in a build.
const CATALOGUE_JSON: &str = include_str!("../../data/instances.json");

/// The parsed catalogue, built on first use.
static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    serde_json::from_str(CATALOGUE_JSON)
        .expect("shared/data/instances.json parses (checked by a unit test)")
});

/// `shared/data/instances.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Catalogue {
    sizes: Vec<Size>,
    general_families: Vec<GeneralFamily>,
    gpu_types: Vec<GpuType>,
}

#[derive(Debug, Deserialize)]
struct Size {
    size: String,
    vcpus: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GeneralFamily {
    family: String,
    gib_per_vcpu: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GpuType {
    name: String,
    family: String,
    vcpus: u32,
    memory_gib: u32,
    gpus: u32,
}

/// What an instance type holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec {
    /// `omics.<family>.<size>`.
    pub name: String,
    /// `c`, `m`, `r`, `g5`, ...
    pub family: String,
    /// Size: `large`, `xlarge`, `2xlarge`, ...
    pub size: String,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory, GiB.
    pub memory_gib: u32,
    /// GPUs (0 for the general-purpose families).
    pub gpus: u32,
    /// Whether the family has GPUs.
    pub gpu: bool,
}

impl InstanceSpec {
    fn general(family: &GeneralFamily, size: &Size) -> Self {
        Self {
            name: format!("omics.{}.{}", family.family, size.size),
            family: family.family.clone(),
            size: size.size.clone(),
            vcpus: size.vcpus,
            memory_gib: size.vcpus * family.gib_per_vcpu,
            gpus: 0,
            gpu: false,
        }
    }

    fn accelerated(gpu: &GpuType) -> Self {
        let size = gpu.name.rsplit('.').next().unwrap_or_default();
        Self {
            name: gpu.name.clone(),
            family: gpu.family.clone(),
            size: size.to_owned(),
            vcpus: gpu.vcpus,
            memory_gib: gpu.memory_gib,
            gpus: gpu.gpus,
            gpu: true,
        }
    }
}

/// Parses `omics.<family>.<size>` against the catalogue; `None` for anything it does not list.
pub fn parse(name: &str) -> Option<InstanceSpec> {
    let catalogue = &*CATALOGUE;
    if let Some(gpu) = catalogue.gpu_types.iter().find(|g| g.name == name) {
        return Some(InstanceSpec::accelerated(gpu));
    }
    let mut parts = name.split('.');
    let (Some("omics"), Some(family), Some(size), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let size = catalogue.sizes.iter().find(|s| s.size == size)?;
    let family = catalogue
        .general_families
        .iter()
        .find(|f| f.family == family)?;
    Some(InstanceSpec::general(family, size))
}

/// Whether `name` is a GPU instance type.
pub fn is_gpu(name: &str) -> bool {
    parse(name).is_some_and(|spec| spec.gpu)
}

/// The smallest general-purpose instance with at least `vcpus` and `memory_gib`: sizes small to large, and within
/// a size families `c` → `m` → `r`; the first that fits wins. `None` when even the largest does not fit.
pub fn smallest_fit(vcpus: u32, memory_gib: u32) -> Option<InstanceSpec> {
    let catalogue = &*CATALOGUE;
    catalogue
        .sizes
        .iter()
        .filter(|size| size.vcpus >= vcpus)
        .find_map(|size| {
            catalogue
                .general_families
                .iter()
                .find(|family| size.vcpus * family.gib_per_vcpu >= memory_gib)
                .map(|family| InstanceSpec::general(family, size))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_catalogue_parses_and_is_ordered() {
        let catalogue: Catalogue = serde_json::from_str(CATALOGUE_JSON).unwrap();
        assert!(catalogue.sizes.windows(2).all(|w| w[0].vcpus < w[1].vcpus));
        let per_vcpu: Vec<u32> = catalogue
            .general_families
            .iter()
            .map(|f| f.gib_per_vcpu)
            .collect();
        assert_eq!(per_vcpu, [2, 4, 8]);
        assert!(
            catalogue
                .gpu_types
                .iter()
                .all(|g| g.name.starts_with(&format!("omics.{}.", g.family)))
        );
    }

    #[test]
    fn parses_general_and_gpu_types() {
        let r = parse("omics.r.2xlarge").unwrap();
        assert_eq!((r.vcpus, r.memory_gib, r.gpus, r.gpu), (8, 64, 0, false));
        assert_eq!(r.size, "2xlarge");
        let c = parse("omics.c.48xlarge").unwrap();
        assert_eq!((c.vcpus, c.memory_gib), (192, 384));
        let g = parse("omics.g5.2xlarge").unwrap();
        assert_eq!((g.vcpus, g.memory_gib, g.gpus, g.gpu), (8, 32, 1, true));
        assert_eq!((g.family.as_str(), g.size.as_str()), ("g5", "2xlarge"));
        let g = parse("omics.g6e.48xlarge").unwrap();
        assert_eq!((g.vcpus, g.memory_gib, g.gpus), (192, 1536, 8));
        assert!(is_gpu("omics.g4dn.xlarge"));
        assert!(!is_gpu("omics.m.large"));
        for bad in [
            "m5.large",
            "omics.x.large",
            "omics.c.huge",
            "omics.c.large.x",
            "omics.g5.large",
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
