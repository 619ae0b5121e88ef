//! The AWS Price List API's `GetProducts` (and `DescribeServices`, which the Python analyzer calls first) over the
//! service's JSON 1.1 protocol: `POST /` with `X-Amz-Target: AWSPriceListService.<Operation>` and
//! `Content-Type: application/x-amz-json-1.1`, answered from `tests/fixtures/prices/price-list.jsonl` (compiled
//! in), so the real `aws-sdk-pricing` and boto3 clients work against the emulator (`AWS_ENDPOINT_URL_PRICING`).
//!
//! Control: `GET /_emulator/pricing` counts requests per operation; `POST /_emulator/pricing {"failing": true}`
//! makes every Price List request answer 500 `InternalErrorException` (a Price List outage), `false` ends it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The price documents served, one per line.
pub const FIXTURE: &str = include_str!("../../fixtures/prices/price-list.jsonl");

/// The one service code the fixture holds.
pub const SERVICE_CODE: &str = "AmazonOmics";

const TARGET_PREFIX: &str = "AWSPriceListService.";
const JSON_1_1: &str = "application/x-amz-json-1.1";
/// Largest `MaxResults` the service accepts (and its default).
const MAX_RESULTS: u64 = 100;

/// One product: the fields a filter may name (its attributes, `productFamily`, `sku`, lower-cased) and the
/// document as served.
struct Product {
    fields: BTreeMap<String, String>,
    document: String,
}

/// The served price list and its counters.
pub struct PriceCatalogue {
    products: Vec<Product>,
    get_products: AtomicU64,
    describe_services: AtomicU64,
    failing: AtomicBool,
}

impl PriceCatalogue {
    /// The catalogue of `jsonl` (one price document per line); panics on a line that is not one, since the
    /// fixture is compiled in and checked by a test.
    pub fn parse(jsonl: &str) -> Self {
        let products = jsonl
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let doc: Value = serde_json::from_str(line).expect("a price document per line");
                let product = &doc["product"];
                let mut fields: BTreeMap<String, String> = product["attributes"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.to_owned())))
                    .collect();
                for key in ["productFamily", "sku"] {
                    if let Some(value) = product[key].as_str() {
                        fields.insert(key.to_ascii_lowercase(), value.to_owned());
                    }
                }
                Product {
                    fields,
                    document: line.trim().to_owned(),
                }
            })
            .collect();
        Self {
            products,
            get_products: AtomicU64::new(0),
            describe_services: AtomicU64::new(0),
            failing: AtomicBool::new(false),
        }
    }

    fn state(&self) -> Value {
        json!({
            "products": self.products.len(),
            "getProducts": self.get_products.load(Ordering::Relaxed),
            "describeServices": self.describe_services.load(Ordering::Relaxed),
            "failing": self.failing.load(Ordering::Relaxed),
        })
    }
}

/// The Price List routes, on a catalogue of the fixture; merged into the emulator's router.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", post(price_list))
        .route("/_emulator/pricing", get(control_state).post(set_failing))
        .with_state(Arc::new(PriceCatalogue::parse(FIXTURE)))
}

/// A JSON 1.1 error: status, `x-amzn-ErrorType` and `{"__type", "message"}`, as the SDKs parse it.
struct PriceListError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl IntoResponse for PriceListError {
    fn into_response(self) -> Response {
        let body = json!({"__type": self.kind, "message": self.message}).to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_1_1));
        headers.insert(
            super::errors::ERROR_TYPE_HEADER,
            HeaderValue::from_static(self.kind),
        );
        response
    }
}

fn error(status: StatusCode, kind: &'static str, message: impl Into<String>) -> PriceListError {
    PriceListError {
        status,
        kind,
        message: message.into(),
    }
}

fn invalid(message: impl Into<String>) -> PriceListError {
    error(
        StatusCode::BAD_REQUEST,
        "InvalidParameterException",
        message,
    )
}

fn answer(body: Value) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_1_1));
    response
}

async fn price_list(
    State(catalogue): State<Arc<PriceCatalogue>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let counter = match target.strip_prefix(TARGET_PREFIX) {
        Some("GetProducts") => &catalogue.get_products,
        Some("DescribeServices") => &catalogue.describe_services,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!("unknown operation {target:?}"),
            )
            .into_response();
        }
    };
    counter.fetch_add(1, Ordering::Relaxed);
    if catalogue.failing.load(Ordering::Relaxed) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalErrorException",
            "Internal error (injected by the emulator)",
        )
        .into_response();
    }
    let request: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(value @ Value::Object(_)) => value,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "SerializationException",
                    "the body is not a JSON object",
                )
                .into_response();
            }
        }
    };
    let result = if target.ends_with("GetProducts") {
        get_products(&catalogue, &request)
    } else {
        Ok(describe_services(&catalogue))
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `DescribeServices`: the one service and the attribute names its products have.
fn describe_services(catalogue: &PriceCatalogue) -> Response {
    let mut names: Vec<&str> = catalogue
        .products
        .iter()
        .flat_map(|p| p.fields.keys().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    answer(json!({
        "Services": [{"ServiceCode": SERVICE_CODE, "AttributeNames": names}],
        "FormatVersion": "aws_v1",
    }))
}

/// One `Filters` entry.
struct FilterSpec {
    kind: String,
    field: String,
    value: String,
}

impl FilterSpec {
    fn matches(&self, product: &Product) -> bool {
        let actual = product.fields.get(&self.field).map(String::as_str);
        let in_list = || {
            self.value
                .split(',')
                .any(|v| actual.is_some_and(|a| a.eq_ignore_ascii_case(v.trim())))
        };
        match self.kind.as_str() {
            "TERM_MATCH" | "EQUALS" => actual.is_some_and(|a| a.eq_ignore_ascii_case(&self.value)),
            "CONTAINS" => actual.is_some_and(|a| {
                a.to_ascii_lowercase()
                    .contains(&self.value.to_ascii_lowercase())
            }),
            "ANY_OF" => in_list(),
            _ => !in_list(), // NONE_OF, checked by parse_filters
        }
    }
}

fn parse_filters(request: &Value) -> Result<Vec<FilterSpec>, PriceListError> {
    let Some(filters) = request.get("Filters") else {
        return Ok(Vec::new());
    };
    let filters = filters
        .as_array()
        .ok_or_else(|| invalid("Filters must be a list"))?;
    filters
        .iter()
        .map(|f| {
            let text = |key: &str| {
                f.get(key)
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| invalid(format!("a filter has no {key}")))
            };
            let kind = text("Type")?;
            if !["TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF"].contains(&kind) {
                return Err(invalid(format!("unknown filter Type {kind:?}")));
            }
            Ok(FilterSpec {
                kind: kind.to_owned(),
                field: text("Field")?.to_ascii_lowercase(),
                value: text("Value")?.to_owned(),
            })
        })
        .collect()
}

/// `GetProducts`: the documents of `ServiceCode` matching every filter, `MaxResults` at a time from `NextToken`.
fn get_products(catalogue: &PriceCatalogue, request: &Value) -> Result<Response, PriceListError> {
    let service = request.get("ServiceCode").and_then(Value::as_str);
    match service {
        None | Some("") => return Err(invalid("ServiceCode is required")),
        Some(SERVICE_CODE) => {}
        Some(other) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "NotFoundException",
                format!("Service code {other} not found"),
            ));
        }
    }
    if let Some(version) = request.get("FormatVersion").and_then(Value::as_str)
        && version != "aws_v1"
    {
        return Err(invalid(format!("unknown FormatVersion {version:?}")));
    }
    let max = match request.get("MaxResults") {
        None => MAX_RESULTS,
        Some(value) => value
            .as_u64()
            .filter(|m| (1..=MAX_RESULTS).contains(m))
            .ok_or_else(|| invalid("MaxResults must be between 1 and 100"))?,
    } as usize;
    let start = match request.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => token
            .strip_prefix("pl-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "InvalidNextTokenException",
                    "Invalid NextToken",
                )
            })?,
    };
    let filters = parse_filters(request)?;
    let matching: Vec<&Product> = catalogue
        .products
        .iter()
        .filter(|p| filters.iter().all(|f| f.matches(p)))
        .collect();
    let page: Vec<&str> = matching
        .iter()
        .skip(start)
        .take(max)
        .map(|p| p.document.as_str())
        .collect();
    let mut body = json!({"FormatVersion": "aws_v1", "PriceList": page});
    if start + max < matching.len() {
        body["NextToken"] = json!(format!("pl-{}", start + max));
    }
    Ok(answer(body))
}

async fn control_state(State(catalogue): State<Arc<PriceCatalogue>>) -> Response {
    axum::Json(catalogue.state()).into_response()
}

async fn set_failing(State(catalogue): State<Arc<PriceCatalogue>>, body: Bytes) -> Response {
    let failing = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("failing").and_then(Value::as_bool));
    let Some(failing) = failing else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"message": "expected {\"failing\": true|false}"})),
        )
            .into_response();
    };
    catalogue.failing.store(failing, Ordering::Relaxed);
    axum::Json(catalogue.state()).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn call(target: &str, body: Value) -> (StatusCode, HeaderMap, Value) {
        let request = Request::post("/")
            .header("x-amz-target", target)
            .header("content-type", JSON_1_1)
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = router::<()>().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, serde_json::from_slice(&bytes).unwrap())
    }

    fn products(body: &Value) -> Vec<Value> {
        body["PriceList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| serde_json::from_str(s.as_str().unwrap()).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn filters_by_region_and_resource_and_pages() {
        let filter = |field: &str, value: &str| json!({"Type": "TERM_MATCH", "Field": field, "Value": value});
        let (status, headers, body) = call(
            "AWSPriceListService.GetProducts",
            json!({"ServiceCode": "AmazonOmics", "FormatVersion": "aws_v1",
                "Filters": [filter("regionCode", "us-east-1"), filter("resourceType", "omics.m.large")]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], JSON_1_1);
        let found = products(&body);
        assert_eq!(found.len(), 1, "{body}");
        let price = &found[0]["terms"]["OnDemand"];
        assert!(
            price.to_string().contains("\"USD\":\"0.1296000000\""),
            "{price}"
        );
        assert!(body.get("NextToken").is_none());

        // 60 instance types + 2 storages + 1 skipped product per region: a page of 50, then the rest.
        let region = json!({"ServiceCode": "AmazonOmics", "MaxResults": 50,
            "Filters": [filter("regionCode", "eu-west-1")]});
        let (_, _, first) = call("AWSPriceListService.GetProducts", region.clone()).await;
        assert_eq!(products(&first).len(), 50);
        let mut next = region;
        next["NextToken"] = first["NextToken"].clone();
        let (_, _, second) = call("AWSPriceListService.GetProducts", next).await;
        assert_eq!(products(&second).len(), 13);
        assert!(second.get("NextToken").is_none());
    }

    #[tokio::test]
    async fn rejects_bad_requests_the_way_the_service_does() {
        let (status, headers, body) = call(
            "AWSPriceListService.GetProducts",
            json!({"ServiceCode": "AmazonEC2"}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(headers["x-amzn-ErrorType"], "NotFoundException");
        assert_eq!(body["__type"], "NotFoundException");
        let (status, _, body) = call(
            "AWSPriceListService.GetProducts",
            json!({"ServiceCode": "AmazonOmics", "MaxResults": 500}),
        )
        .await;
        assert_eq!(
            (status, body["__type"].as_str()),
            (StatusCode::BAD_REQUEST, Some("InvalidParameterException"))
        );
        let (_, _, body) = call(
            "AWSPriceListService.GetProducts",
            json!({"ServiceCode": "AmazonOmics", "NextToken": "elsewhere"}),
        )
        .await;
        assert_eq!(body["__type"], "InvalidNextTokenException");
        let (status, _, _) = call("AWSPriceListService.ListPriceLists", json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _, body) = call("AWSPriceListService.DescribeServices", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let names = body["Services"][0]["AttributeNames"].as_array().unwrap();
        assert!(names.contains(&json!("resourcetype")), "{names:?}");
    }

    #[test]
    fn the_fixture_prices_every_catalogue_type_in_three_regions() {
        let catalogue = PriceCatalogue::parse(FIXTURE);
        let catalogue_json: Value =
            serde_json::from_str(include_str!("../../../shared/data/instances.json")).unwrap();
        let mut known: Vec<String> = Vec::new();
        for family in catalogue_json["generalFamilies"].as_array().unwrap() {
            for size in catalogue_json["sizes"].as_array().unwrap() {
                known.push(format!(
                    "omics.{}.{}",
                    family["family"].as_str().unwrap(),
                    size["size"].as_str().unwrap()
                ));
            }
        }
        for gpu in catalogue_json["gpuTypes"].as_array().unwrap() {
            known.push(gpu["name"].as_str().unwrap().to_owned());
        }
        assert_eq!(known.len(), 60);
        for region in ["us-east-1", "us-west-2", "eu-west-1"] {
            for resource in known
                .iter()
                .map(String::as_str)
                .chain(["Run Storage", "Dynamic Run Storage"])
            {
                let listed = catalogue.products.iter().filter(|p| {
                    p.fields.get("regioncode").map(String::as_str) == Some(region)
                        && p.fields.get("resourcetype").map(String::as_str) == Some(resource)
                });
                let documents: Vec<_> = listed
                    .map(|p| omics_introspect::pricing::parse_price_document(&p.document).unwrap())
                    .collect();
                assert_eq!(documents.len(), 1, "{region} {resource}");
                assert!(
                    documents[0].as_ref().is_some_and(|l| l.price.usd > 0.0),
                    "{region} {resource}"
                );
            }
        }
    }
}
