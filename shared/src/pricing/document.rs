//! One price document of the AWS Price List (an item of `GetProducts`' `PriceList`, itself a JSON string):
//! `product.attributes` (`resourceType`, `regionCode`, ...) and `terms.OnDemand.<term>.priceDimensions.<dim>`
//! with `pricePerUnit.USD` and `unit`. The same shape `scripts/refresh-prices.py` reads.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::analysis::prices::{DYNAMIC_STORAGE, Price, STATIC_STORAGE};

/// A price document that is not what the Price List API documents.
#[derive(Debug, thiserror::Error)]
#[error("unreadable price document: {0}")]
pub struct DocumentError(#[source] serde_json::Error);

/// The run price one document holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedPrice {
    /// `regionCode`.
    pub region: String,
    /// `resourceType`: an instance type, `Run Storage` or `Dynamic Run Storage`.
    pub resource: String,
    /// USD per unit, with unit and date; `source` is left to the caller.
    pub price: Price,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    product: Product,
    #[serde(default)]
    terms: Terms,
    publication_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Product {
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct Terms {
    #[serde(default, rename = "OnDemand")]
    on_demand: BTreeMap<String, Term>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Term {
    effective_date: Option<String>,
    #[serde(default)]
    price_dimensions: BTreeMap<String, Dimension>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dimension {
    unit: Option<String>,
    #[serde(default)]
    price_per_unit: BTreeMap<String, String>,
}

/// Whether `resource` is priced by the analysis: instance types and run storage, not ephemeral storage, sequence
/// stores or Ready2Run workflows.
pub fn is_run_resource(resource: &str) -> bool {
    resource.starts_with("omics.") || resource == STATIC_STORAGE || resource == DYNAMIC_STORAGE
}

/// The on-demand run price in `document`; `None` for a product the analysis does not price (or one without a
/// usable USD on-demand price), an error when the text is not a price document at all.
pub fn parse_price_document(document: &str) -> Result<Option<ListedPrice>, DocumentError> {
    let document: Document = serde_json::from_str(document).map_err(DocumentError)?;
    let attributes = &document.product.attributes;
    let (Some(resource), Some(region)) =
        (attributes.get("resourceType"), attributes.get("regionCode"))
    else {
        return Ok(None);
    };
    if !is_run_resource(resource) {
        return Ok(None);
    }
    for term in document.terms.on_demand.values() {
        for dimension in term.price_dimensions.values() {
            let Some(usd) = dimension
                .price_per_unit
                .get("USD")
                .and_then(|text| text.trim().parse::<f64>().ok())
                .filter(|usd| usd.is_finite() && *usd >= 0.0)
            else {
                continue;
            };
            let date = term
                .effective_date
                .as_deref()
                .or(document.publication_date.as_deref())
                .map(|d| d.chars().take(10).collect());
            return Ok(Some(ListedPrice {
                region: region.clone(),
                resource: resource.clone(),
                price: Price {
                    usd,
                    unit: dimension.unit.clone(),
                    source: None,
                    date,
                },
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(resource: &str, region: &str, usd: &str, unit: &str) -> String {
        serde_json::json!({
            "product": {"productFamily": "Compute", "sku": "ABC",
                "attributes": {"resourceType": resource, "regionCode": region, "servicecode": "AmazonOmics"}},
            "serviceCode": "AmazonOmics",
            "publicationDate": "2026-07-01T00:00:00Z",
            "terms": {"OnDemand": {"ABC.JRTCKXETXF": {"effectiveDate": "2026-06-01T00:00:00Z",
                "priceDimensions": {"ABC.JRTCKXETXF.6YS6EN2CT7": {
                    "unit": unit, "pricePerUnit": {"USD": usd}, "description": "per hour"}}}}},
            "version": "20260601000000"
        })
        .to_string()
    }

    #[test]
    fn reads_instance_and_storage_prices() {
        let listed = parse_price_document(&document(
            "omics.c.large",
            "us-east-1",
            "0.1148000000",
            "Instance-hrs",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (listed.region.as_str(), listed.resource.as_str()),
            ("us-east-1", "omics.c.large")
        );
        assert_eq!(listed.price.usd, 0.1148);
        assert_eq!(listed.price.unit.as_deref(), Some("Instance-hrs"));
        assert_eq!(listed.price.date.as_deref(), Some("2026-06-01"));
        let storage = parse_price_document(&document(
            "Run Storage",
            "eu-west-1",
            "0.0002110000",
            "GB-Hours",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (storage.resource.as_str(), storage.price.usd),
            ("Run Storage", 0.000211)
        );
    }

    #[test]
    fn skips_what_the_analysis_does_not_price() {
        let ephemeral = document("Ephemeral Storage", "us-east-1", "0.0001", "GB-Hours");
        assert_eq!(parse_price_document(&ephemeral).unwrap(), None);
        let no_region = r#"{"product":{"attributes":{"resourceType":"omics.c.large"}},"terms":{}}"#;
        assert_eq!(parse_price_document(no_region).unwrap(), None);
        let no_usd = document("omics.c.large", "us-east-1", "n/a", "Instance-hrs");
        assert_eq!(parse_price_document(&no_usd).unwrap(), None);
        let negative = document("omics.c.large", "us-east-1", "-1", "Instance-hrs");
        assert_eq!(parse_price_document(&negative).unwrap(), None);
        assert!(parse_price_document("not json").is_err());
        assert!(parse_price_document("[1]").is_err());
    }

    #[test]
    fn falls_back_to_the_publication_date() {
        let text = r#"{"product":{"attributes":{"resourceType":"omics.m.large","regionCode":"us-west-2"}},
            "publicationDate":"2026-05-02T00:00:00Z",
            "terms":{"OnDemand":{"T":{"priceDimensions":{"D":{"pricePerUnit":{"USD":"0.1296"}}}}}}}"#;
        let listed = parse_price_document(text).unwrap().unwrap();
        assert_eq!(listed.price.date.as_deref(), Some("2026-05-02"));
        assert_eq!(listed.price.unit, None);
    }
}
