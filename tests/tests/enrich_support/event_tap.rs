//! A tap on the stack's event bus: the events a test's code announced, read back through a rule of the test's own.

use aws_sdk_eventbridge::types::Target;
use omics_introspect_tests::harness::{http_request_with_headers, stack_env};
use serde_json::{Value, json};

use super::Setup;

/// A rule on the stack's bus matching an event pattern, delivering to a log group of its own, so concurrent tests
/// never read each other's events.
pub struct EventTap {
    rule: String,
    log_group: String,
}

impl EventTap {
    /// Starts tapping the events matching `pattern` as rule `name` (unique to the test).
    pub async fn start(setup: &Setup, name: &str, pattern: Value) -> Self {
        let tap = Self {
            rule: name.to_owned(),
            log_group: format!("/omics-introspect-tests/taps/{name}"),
        };
        setup
            .clients
            .logs
            .create_log_group()
            .log_group_name(&tap.log_group)
            .send()
            .await
            .unwrap();
        let events = &setup.clients.eventbridge;
        events
            .put_rule()
            .name(&tap.rule)
            .event_bus_name(&setup.config.event_bus)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .unwrap();
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
        let arn = format!(
            "arn:aws:logs:{region}:123456789012:log-group:{}",
            tap.log_group
        );
        events
            .put_targets()
            .rule(&tap.rule)
            .event_bus_name(&setup.config.event_bus)
            .targets(Target::builder().id("log-group").arn(arn).build().unwrap())
            .send()
            .await
            .unwrap();
        tap
    }

    /// Every event delivered so far (moto delivers within `PutEvents`: nothing is in flight once it answered).
    ///
    /// Read over moto's wire protocol rather than with the SDK: moto stamps the log events a rule delivers with a
    /// fractional millisecond timestamp, which the SDK's deserializer rejects.
    pub async fn events(&self) -> Vec<Value> {
        let moto = stack_env("AWS_ENDPOINT_URL");
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
        // moto routes by the credential scope's service; it does not check the signature.
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20240101/{region}/logs/aws4_request, SignedHeaders=host, \
             Signature=00"
        );
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "Logs_20140328.FilterLogEvents"),
            ("authorization", authorization.as_str()),
        ];
        let mut events = Vec::new();
        let mut token = Value::Null;
        loop {
            let mut body = json!({"logGroupName": self.log_group});
            if !token.is_null() {
                body["nextToken"] = token;
            }
            let response = http_request_with_headers(&moto, "POST", "/", &headers, Some(&body))
                .await
                .unwrap();
            let page = response.json().unwrap();
            assert_eq!(response.status, 200, "FilterLogEvents: {page}");
            for event in page["events"].as_array().into_iter().flatten() {
                let message = event["message"].as_str().expect("a message");
                events.push(serde_json::from_str(message).unwrap());
            }
            token = page["nextToken"].clone();
            if token.is_null() {
                return events;
            }
        }
    }

    /// Removes the rule and its log group.
    pub async fn close(&self, setup: &Setup) {
        let events = &setup.clients.eventbridge;
        let bus = &setup.config.event_bus;
        let _ = events
            .remove_targets()
            .rule(&self.rule)
            .event_bus_name(bus)
            .ids("log-group")
            .send()
            .await;
        let _ = events
            .delete_rule()
            .name(&self.rule)
            .event_bus_name(bus)
            .send()
            .await;
        let _ = setup
            .clients
            .logs
            .delete_log_group()
            .log_group_name(&self.log_group)
            .send()
            .await;
    }
}
