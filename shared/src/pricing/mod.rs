//! Prices from the AWS Price List API: the adapter every `GetProducts` call goes through ([`PriceList`]), the
//! price documents it answers ([`document`]), and the per-process cache that resolves the prices of one run's
//! region before its record is built ([`PriceResolver`]).
//!
//! The Price List API is served from us-east-1 whatever the run's region ([`PRICING_REGION`]); the run's region
//! is a filter (`regionCode`). Locally `AWS_ENDPOINT_URL_PRICING` points the client at the HealthOmics emulator,
//! which answers `GetProducts` from `tests/fixtures/prices/price-list.jsonl`.

pub mod document;
mod resolver;

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_pricing::error::SdkError;
use aws_sdk_pricing::operation::get_products::GetProductsError;
use aws_sdk_pricing::types::{Filter, FilterType};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::retry::RetryConfig;

use crate::analysis::prices::{PriceSource, PriceTable};
pub use document::{DocumentError, ListedPrice, parse_price_document};
pub use resolver::{FAILURE_RETRY_AFTER, PriceResolver};

/// The Price List API's region: its endpoint is in us-east-1 for every region's prices.
pub const PRICING_REGION: &str = "us-east-1";

/// The Price List service code of AWS HealthOmics.
pub const SERVICE_CODE: &str = "AmazonOmics";

/// Key of the Price List API in a resolved table's `sources`.
pub const PRICE_LIST_SOURCE: &str = "price-list-api";

/// Attempts of one `GetProducts` page: few, so an unreachable Price List costs an enrichment seconds, not the
/// minutes `AWS_MAX_ATTEMPTS` allows the HealthOmics calls (the bundled table stands in).
const MAX_ATTEMPTS: u32 = 3;

/// A failed `GetProducts` read.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// The call failed (network, throttling after retries, access denied, server error).
    #[error("GetProducts (regionCode {region}) failed")]
    Request {
        /// The run's region.
        region: String,
        /// The SDK's error.
        #[source]
        source: Box<SdkError<GetProductsError, HttpResponse>>,
    },
    /// A document of the answer is not a price document.
    #[error("GetProducts (regionCode {region}) answered an unreadable document")]
    Document {
        /// The run's region.
        region: String,
        /// What is wrong with it.
        #[source]
        source: DocumentError,
    },
    /// The answer holds no run price for the region (HealthOmics is not offered there).
    #[error("the AWS Price List has no {SERVICE_CODE} run prices for {region}")]
    NoPrices {
        /// The run's region.
        region: String,
    },
}

/// A Price List client from the shared configuration: region us-east-1 whatever the functions' region, the
/// endpoint from `AWS_ENDPOINT_URL_PRICING` (or `AWS_ENDPOINT_URL`) when set, and at most [`MAX_ATTEMPTS`]
/// attempts per call.
pub fn client(sdk: &SdkConfig) -> aws_sdk_pricing::Client {
    client_at(sdk, None)
}

/// [`client`] with an explicit `endpoint` (tests on a private emulator).
pub fn client_at(sdk: &SdkConfig, endpoint: Option<&str>) -> aws_sdk_pricing::Client {
    let mut builder = aws_sdk_pricing::config::Builder::from(sdk)
        .region(aws_sdk_pricing::config::Region::new(PRICING_REGION))
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    aws_sdk_pricing::Client::from_conf(builder.build())
}

/// The AWS Price List API.
#[derive(Debug, Clone)]
pub struct PriceList {
    client: aws_sdk_pricing::Client,
}

impl PriceList {
    /// Wraps a client (see [`client`]).
    pub fn new(client: aws_sdk_pricing::Client) -> Self {
        Self { client }
    }

    pub const GET_PRODUCTS: &str = "pricing:GetProducts"; // IAM action, see crate::iam
    /// Every HealthOmics run price of `region` (instance types, `Run Storage`, `Dynamic Run Storage`): one
    /// `GetProducts` query filtered on `regionCode`, read page by page with the SDK's paginator, as a price table
    /// of that one region.
    pub async fn region_prices(&self, region: &str) -> Result<PriceTable, PricingError> {
        let filter = Filter::builder()
            .r#type(FilterType::TermMatch)
            .field("regionCode")
            .value(region)
            .build()
            .map_err(|e| PricingError::Request {
                region: region.to_owned(),
                source: Box::new(SdkError::construction_failure(e)),
            })?;
        let mut documents = self
            .client
            .get_products()
            .service_code(SERVICE_CODE)
            .format_version("aws_v1")
            .filters(filter)
            .max_results(100)
            .into_paginator()
            .items()
            .send();
        let mut prices = BTreeMap::new();
        while let Some(document) = documents.next().await {
            let document = document.map_err(|e| PricingError::Request {
                region: region.to_owned(),
                source: Box::new(e),
            })?;
            let listed =
                parse_price_document(&document).map_err(|source| PricingError::Document {
                    region: region.to_owned(),
                    source,
                })?;
            // The filter is the server's; a document of another region is ignored rather than trusted.
            if let Some(listed) = listed.filter(|l| l.region == region) {
                let mut price = listed.price;
                price.source = Some(PRICE_LIST_SOURCE.to_owned());
                prices.entry(listed.resource).or_insert(price);
            }
        }
        if prices.is_empty() {
            return Err(PricingError::NoPrices {
                region: region.to_owned(),
            });
        }
        Ok(region_table(region, prices))
    }
}

/// A price table holding `prices` of `region`, read today from the Price List API.
fn region_table(
    region: &str,
    prices: BTreeMap<String, crate::analysis::prices::Price>,
) -> PriceTable {
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let source = PriceSource {
        title: format!(
            "AWS Price List API, GetProducts ServiceCode {SERVICE_CODE}, regionCode {region}, read {today}"
        ),
        url: Some("https://aws.amazon.com/healthomics/pricing/".to_owned()),
    };
    PriceTable {
        schema_version: 1,
        currency: "USD".to_owned(),
        description: Some(format!(
            "AWS HealthOmics on-demand prices of {region} from the AWS Price List API"
        )),
        retrieved: Some(today),
        sources: BTreeMap::from([(PRICE_LIST_SOURCE.to_owned(), source)]),
        regions: BTreeMap::from([(region.to_owned(), prices)]),
    }
}
