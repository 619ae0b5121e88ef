//! Keeps `template.yaml` honest against the code, without AWS and without a stack:
//!
//! - every function is built from a binary of the workspace (`functions/<Binary>`), with the runtime settings the
//!   project relies on (arm64, `provided.al2023`, JSON logs into its own log group with retention, tracing);
//! - the HTTP routes of the template, the route table ([`omics_introspect::api::ROUTES`]) and `openapi.yaml` are
//!   the same set, each route served by the same function, every route IAM-authorized;
//! - each function's policy grants exactly the IAM actions [`omics_introspect::iam::actions`] lists for it, on
//!   scoped resources, and every AWS SDK operation the code calls is covered by a declared action;
//! - the enrichment trigger, its retries and dead-letter queue, and the resources the functions are configured
//!   with match the code's constants.
//!
//! CloudFormation's short-form tags (`!Sub`, `!Ref`, `!GetAtt`) parse as tagged YAML values.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use omics_introspect::api::ROUTES;
use omics_introspect::events::{ENRICHED_STATUSES, OMICS_SOURCE, RUN_STATUS_CHANGE};
use omics_introspect::iam;
use omics_introspect::store::RUN_ENRICHED_SOURCE;
use serde_yaml_ng::Value;

/// Crates in `functions/` that are not Lambda functions.
const NOT_LAMBDA: &[&str] = &["local-api"];

/// Actions without resource-level permissions: the only ones a statement may grant on `*`.
const NO_RESOURCE_LEVEL: &[&str] = &["omics:ListRuns", "pricing:GetProducts"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The parameters of `path` under `template` (`/runs/{runId}`), segment by segment, if it fits the template.
fn template_params(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let (expected, actual): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    if expected.len() != actual.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    for (expected, segment) in expected.into_iter().zip(actual) {
        match expected
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
        {
            Some(name) if !segment.is_empty() => {
                params.insert(name.to_owned(), segment.to_owned());
            }
            None if expected == segment => {}
            _ => return None,
        }
    }
    Some(params)
}

fn yaml(relative: &str) -> Value {
    serde_yaml_ng::from_str(&read(relative)).unwrap_or_else(|e| panic!("parsing {relative}: {e}"))
}

/// The value under a short-form tag (`!Sub x` is `x`), or the value itself.
fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => &tagged.value,
        other => other,
    }
}

/// The tag's name without `!` (`Sub`, `Ref`, `GetAtt`), if any.
fn tag(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) => Some(tagged.tag.to_string().trim_start_matches('!').to_owned()),
        _ => None,
    }
}

fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    untag(value).as_mapping()?.get(key)
}

fn path<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(value, |v, k| get(v, k))
}

fn string(value: &Value) -> Option<String> {
    match untag(value) {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The items of a list, or the value itself (IAM `Action`, `Resource`). A tagged value (`!Sub [..]`) is one item.
fn strings(value: &Value) -> Vec<Value> {
    match value {
        Value::Sequence(items) => items.clone(),
        _ => vec![value.clone()],
    }
}

/// Both branches of `!If [condition, a, b]` (what the stack may hold), without `!Ref AWS::NoValue`; any other value
/// as it is.
fn branches(value: &Value) -> Vec<Value> {
    let arguments = if tag(value).as_deref() == Some("If") {
        untag(value).as_sequence()
    } else {
        get(value, "Fn::If").and_then(Value::as_sequence)
    };
    match arguments {
        Some(args) if args.len() == 3 => args[1..]
            .iter()
            .flat_map(branches)
            .filter(|v| referenced_id(v).as_deref() != Some("AWS::NoValue"))
            .collect(),
        _ => vec![value.clone()],
    }
}

/// `!Ref X`, `{Ref: X}`, `!GetAtt X.Arn`, `{Fn::GetAtt: [X, Arn]}`: the logical id referred to.
fn referenced_id(value: &Value) -> Option<String> {
    match tag(value).as_deref() {
        Some("Ref") => return string(value),
        Some("GetAtt") => {
            return match untag(value) {
                Value::Sequence(parts) => parts.first().and_then(string),
                other => string(other).map(|s| s.split('.').next().unwrap_or_default().to_owned()),
            };
        }
        _ => {}
    }
    if let Some(id) = get(value, "Ref").and_then(string) {
        return Some(id);
    }
    get(value, "Fn::GetAtt")
        .and_then(|v| v.as_sequence())
        .and_then(|parts| parts.first())
        .and_then(string)
}

struct Template {
    doc: Value,
}

/// One `AWS::Serverless::Function` of the template.
struct Function<'a> {
    logical_id: String,
    binary: String,
    resource: &'a Value,
    template: &'a Template,
}

impl Template {
    fn load() -> Self {
        Self {
            doc: yaml("template.yaml"),
        }
    }

    fn resources(&self) -> impl Iterator<Item = (String, &Value)> {
        get(&self.doc, "Resources")
            .and_then(Value::as_mapping)
            .expect("Resources")
            .iter()
            .map(|(k, v)| (string(k).expect("logical id"), v))
    }

    fn resource(&self, logical_id: &str) -> &Value {
        get(&self.doc, "Resources")
            .and_then(|r| get(r, logical_id))
            .unwrap_or_else(|| panic!("no resource {logical_id}"))
    }

    fn of_type(&self, kind: &str) -> Vec<(String, &Value)> {
        self.resources()
            .filter(|(_, r)| get(r, "Type").and_then(string).as_deref() == Some(kind))
            .collect()
    }

    fn global(&self, key: &str) -> Option<&Value> {
        path(&self.doc, &["Globals", "Function", key])
    }

    fn functions(&self) -> Vec<Function<'_>> {
        self.of_type("AWS::Serverless::Function")
            .into_iter()
            .map(|(logical_id, resource)| {
                let binary = path(resource, &["Metadata", "BuildProperties", "Binary"])
                    .and_then(string)
                    .unwrap_or_else(|| panic!("{logical_id}: no Metadata.BuildProperties.Binary"));
                Function {
                    logical_id,
                    binary,
                    resource,
                    template: self,
                }
            })
            .collect()
    }

    fn function(&self, binary: &str) -> Function<'_> {
        self.functions()
            .into_iter()
            .find(|f| f.binary == binary)
            .unwrap_or_else(|| panic!("no function with binary {binary}"))
    }
}

impl Function<'_> {
    fn property(&self, key: &str) -> Option<&Value> {
        path(self.resource, &["Properties", key])
    }

    /// A property set on the function, else in `Globals`.
    fn setting(&self, key: &str) -> Option<&Value> {
        self.property(key).or_else(|| self.template.global(key))
    }

    /// Environment variables: `Globals` merged with the function's own (which win), as SAM merges them.
    fn environment(&self) -> BTreeMap<String, Value> {
        let mut vars = BTreeMap::new();
        let global = path(
            &self.template.doc,
            &["Globals", "Function", "Environment", "Variables"],
        );
        let own = path(self.resource, &["Properties", "Environment", "Variables"]);
        for map in [global, own].into_iter().flatten() {
            for (k, v) in untag(map).as_mapping().expect("Variables is a map") {
                vars.insert(string(k).expect("variable name"), v.clone());
            }
        }
        vars
    }

    fn events(&self, kind: &str) -> Vec<&Value> {
        self.property("Events")
            .and_then(Value::as_mapping)
            .map(|events| {
                events
                    .values()
                    .filter(|e| get(e, "Type").and_then(string).as_deref() == Some(kind))
                    .filter_map(|e| get(e, "Properties"))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Allow statements of the function's inline policies (both branches of a conditional one); panics on
    /// anything else in `Policies`.
    fn statements(&self) -> Vec<Value> {
        let Some(policies) = self.property("Policies") else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for policy in untag(policies).as_sequence().expect("Policies is a list") {
            let statements = get(policy, "Statement").unwrap_or_else(|| {
                panic!(
                    "{}: Policies may hold only inline policy documents (no SAM policy templates or managed \
                     policies, which grant more than the code calls): {policy:?}",
                    self.binary
                )
            });
            for statement in untag(statements)
                .as_sequence()
                .expect("Statement is a list")
                .iter()
                .flat_map(branches)
            {
                assert_eq!(
                    get(&statement, "Effect").and_then(string).as_deref(),
                    Some("Allow"),
                    "{}: only Allow statements",
                    self.binary
                );
                found.push(statement);
            }
        }
        found
    }

    fn granted_actions(&self) -> Vec<String> {
        self.statements()
            .into_iter()
            .flat_map(|s| strings(get(&s, "Action").expect("Action")))
            .map(|a| string(&a).expect("action is a string"))
            .collect()
    }
}

/// `name = "..."` values of the `[package]` and `[[bin]]` tables of a Cargo.toml.
fn crate_names(cargo_toml: &str) -> (Option<String>, Vec<String>) {
    let mut package = None;
    let mut bins = Vec::new();
    let mut section = String::new();
    for line in cargo_toml.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_owned();
            continue;
        }
        let Some(value) = line
            .strip_prefix("name")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
        else {
            continue;
        };
        match section.as_str() {
            "[package]" => package = Some(value),
            "[[bin]]" => bins.push(value),
            _ => {}
        }
    }
    (package, bins)
}

#[test]
fn every_function_is_a_workspace_binary_with_the_project_settings() {
    let template = Template::load();
    let functions = template.functions();
    assert!(!functions.is_empty());
    for f in &functions {
        let who = format!("{} ({})", f.logical_id, f.binary);
        assert_eq!(
            path(f.resource, &["Metadata", "BuildMethod"])
                .and_then(string)
                .as_deref(),
            Some("rust-cargolambda"),
            "{who}"
        );
        // The crate: functions/<Binary>/Cargo.toml whose package (implicit src/main.rs) or a [[bin]] has the name.
        let manifest = root().join("functions").join(&f.binary).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{who}: {}: {e}", manifest.display()));
        let (package, bins) = crate_names(&text);
        let implicit = package.as_deref() == Some(f.binary.as_str())
            && root()
                .join("functions")
                .join(&f.binary)
                .join("src/main.rs")
                .is_file();
        assert!(
            implicit || bins.contains(&f.binary),
            "{who}: functions/{}/Cargo.toml builds no binary named {} (package {package:?}, bins {bins:?})",
            f.binary,
            f.binary
        );

        let setting = |key: &str| f.setting(key).and_then(string);
        assert_eq!(
            setting("Runtime").as_deref(),
            Some("provided.al2023"),
            "{who}"
        );
        assert_eq!(setting("Handler").as_deref(), Some("bootstrap"), "{who}");
        assert_eq!(setting("CodeUri").as_deref(), Some("./"), "{who}");
        assert_eq!(setting("Tracing").as_deref(), Some("Active"), "{who}");
        let architectures: Vec<String> = f
            .setting("Architectures")
            .map(|v| strings(v).iter().filter_map(string).collect())
            .unwrap_or_default();
        assert_eq!(architectures, ["arm64"], "{who}");
        assert!(
            f.setting("MemorySize").is_some() && f.setting("Timeout").is_some(),
            "{who}: MemorySize and Timeout"
        );

        // JSON logs into the function's own log group, which has a retention.
        let logging = f.property("LoggingConfig").expect("LoggingConfig");
        assert_eq!(
            get(logging, "LogFormat").and_then(string).as_deref(),
            Some("JSON"),
            "{who}"
        );
        let group_id = get(logging, "LogGroup")
            .and_then(referenced_id)
            .unwrap_or_else(|| {
                panic!("{who}: LoggingConfig.LogGroup must reference the stack's log group")
            });
        let group = template.resource(&group_id);
        assert_eq!(
            get(group, "Type").and_then(string).as_deref(),
            Some("AWS::Logs::LogGroup"),
            "{who}"
        );
        assert!(
            path(group, &["Properties", "RetentionInDays"]).is_some(),
            "{who}: {group_id} retention"
        );

        let env = f.environment();
        assert!(
            env.contains_key("AWS_RETRY_MODE") && env.contains_key("AWS_MAX_ATTEMPTS"),
            "{who}"
        );
    }

    // The other way round: every Lambda crate is deployed, and the template and iam.rs agree on the functions.
    let deployed: BTreeSet<String> = functions.iter().map(|f| f.binary.clone()).collect();
    let crates: BTreeSet<String> = std::fs::read_dir(root().join("functions"))
        .expect("functions/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !NOT_LAMBDA.contains(&name.as_str()))
        .collect();
    assert_eq!(
        deployed, crates,
        "template functions vs. crates in functions/ (less {NOT_LAMBDA:?})"
    );
    let listed: BTreeSet<String> = iam::functions().iter().map(|s| s.to_string()).collect();
    assert_eq!(deployed, listed, "template functions vs. iam::functions()");
}

#[test]
fn routes_agree_across_template_route_table_and_openapi() {
    let template = Template::load();
    let api_ids: Vec<String> = template
        .of_type("AWS::Serverless::HttpApi")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(api_ids.len(), 1, "one HTTP API");
    let api = template.resource(&api_ids[0]);

    // IAM authorization is the default of every route, and no route opts out.
    let auth = path(api, &["Properties", "Auth"]).expect("HttpApi Auth");
    assert_eq!(
        get(auth, "EnableIamAuthorizer").and_then(string).as_deref(),
        Some("true")
    );
    assert_eq!(
        get(auth, "DefaultAuthorizer").and_then(string).as_deref(),
        Some("AWS_IAM")
    );
    let access_log = path(api, &["Properties", "AccessLogSettings", "DestinationArn"])
        .and_then(referenced_id)
        .expect("AccessLogSettings.DestinationArn references a log group");
    assert_eq!(
        get(template.resource(&access_log), "Type")
            .and_then(string)
            .as_deref(),
        Some("AWS::Logs::LogGroup")
    );

    let mut from_template = BTreeMap::new();
    for f in template.functions() {
        let events = f.events("HttpApi");
        for event in &events {
            assert_eq!(
                get(event, "ApiId").and_then(referenced_id).as_deref(),
                Some(api_ids[0].as_str()),
                "{}: route on another API",
                f.binary
            );
            assert!(
                get(event, "Auth").is_none(),
                "{}: a route overrides the IAM authorizer",
                f.binary
            );
            assert_eq!(
                get(event, "PayloadFormatVersion")
                    .and_then(string)
                    .as_deref(),
                Some("2.0"),
                "{}",
                f.binary
            );
            let method = get(event, "Method")
                .and_then(string)
                .expect("Method")
                .to_uppercase();
            let path = get(event, "Path").and_then(string).expect("Path");
            let previous = from_template.insert(format!("{method} {path}"), f.binary.clone());
            assert!(previous.is_none(), "route {method} {path} twice");
        }
        if !events.is_empty() {
            assert_eq!(
                f.environment()
                    .get("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH")
                    .and_then(string)
                    .as_deref(),
                Some("true"),
                "{}: a named stage prefixes the raw path",
                f.binary
            );
        }
    }

    let from_code: BTreeMap<String, String> = ROUTES
        .iter()
        .map(|r| (r.route_key(), r.function.to_owned()))
        .collect();
    assert_eq!(
        from_template, from_code,
        "template HttpApi events vs. shared/src/api/routes.rs"
    );

    let openapi = yaml("openapi.yaml");
    let mut from_openapi = BTreeMap::new();
    for (path, item) in get(&openapi, "paths")
        .and_then(Value::as_mapping)
        .expect("paths")
    {
        let path = string(path).expect("path");
        for (method, operation) in item.as_mapping().expect("path item") {
            let method = string(method).expect("method");
            if !["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                continue; // parameters, summary, ...
            }
            let function = get(operation, "x-function")
                .and_then(string)
                .unwrap_or_default();
            from_openapi.insert(format!("{} {path}", method.to_uppercase()), function);
        }
    }
    let keys = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        keys(&from_openapi),
        keys(&from_code),
        "openapi.yaml paths vs. shared/src/api/routes.rs"
    );
    for (route, function) in &from_openapi {
        assert!(
            function.is_empty() || Some(function) == from_code.get(route),
            "openapi.yaml {route}: x-function {function}"
        );
    }
}

#[test]
fn policies_grant_exactly_the_actions_the_code_declares() {
    let template = Template::load();
    for f in template.functions() {
        let expected =
            iam::actions(&f.binary).unwrap_or_else(|| panic!("{}: not in iam::actions", f.binary));
        let granted = f.granted_actions();
        // As sets: an action may appear in two statements with different resources.
        let granted_set: BTreeSet<&str> = granted.iter().map(String::as_str).collect();
        let expected_set: BTreeSet<&str> = expected.iter().copied().collect();
        let missing: Vec<_> = expected_set.difference(&granted_set).collect();
        let extra: Vec<_> = granted_set.difference(&expected_set).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{}: policy vs. iam::actions: missing {missing:?}, not called by the code {extra:?}",
            f.binary
        );

        for statement in f.statements() {
            let statement = &statement;
            let actions: Vec<String> = strings(get(statement, "Action").expect("Action"))
                .iter()
                .filter_map(string)
                .collect();
            for resource in strings(get(statement, "Resource").expect("Resource")) {
                if let Some(parameter) = from_parameter(&resource) {
                    // An object the operator names (PricesUri): only reads of that one object.
                    assert!(
                        actions == ["s3:GetObject"] && string(&resource).is_none(),
                        "{}: {actions:?} on {resource:?} from parameter {parameter}",
                        f.binary
                    );
                    continue;
                }
                let text = string(&resource).unwrap_or_default();
                if text == "*" {
                    assert!(
                        actions
                            .iter()
                            .all(|a| NO_RESOURCE_LEVEL.contains(&a.as_str())),
                        "{}: {actions:?} on Resource \"*\"; only {NO_RESOURCE_LEVEL:?} may",
                        f.binary
                    );
                    continue;
                }
                // Scoped to this account and region, or to a resource of the stack.
                let scoped = referenced_id(&resource).is_some()
                    || (tag(&resource).as_deref() == Some("Sub")
                        && (text.contains("${AWS::AccountId}") || text.starts_with("${")));
                assert!(scoped, "{}: unscoped resource {resource:?}", f.binary);
                for action in &actions {
                    let service = action.split(':').next().unwrap_or_default();
                    let kind = match service {
                        "omics" => ":omics:",
                        "logs" => ":logs:",
                        "events" => ":events:",
                        _ => "",
                    };
                    assert!(
                        text.contains(kind),
                        "{}: {action} on a resource of another service: {text}",
                        f.binary
                    );
                }
                if text.contains(":log-group:") {
                    assert!(
                        text.contains("log-group:/aws/omics/WorkflowLog:log-stream:"),
                        "{}: logs only on the HealthOmics log group's streams: {text}",
                        f.binary
                    );
                }
            }
            // Stack resources: DynamoDB and S3 only on the stack's tables and bucket.
            for action in &actions {
                if action.starts_with("dynamodb:") || action.starts_with("s3:") {
                    let expected: &[&str] = if action.starts_with("dynamodb:") {
                        &["RunsTable", "FleetTable", "LiveTable"]
                    } else {
                        &["ReportsBucket"]
                    };
                    for resource in strings(get(statement, "Resource").expect("Resource")) {
                        let owns = from_parameter(&resource).is_some()
                            || expected.iter().any(|id| {
                                referenced_id(&resource).as_deref() == Some(*id)
                                    || string(&resource)
                                        .is_some_and(|t| t.starts_with(&format!("${{{id}.Arn}}")))
                            });
                        assert!(
                            owns,
                            "{}: {action} outside {expected:?}: {resource:?}",
                            f.binary
                        );
                    }
                }
            }
        }
    }
}

/// `!Sub [arn:${AWS::Partition}:s3:::${Object}, {Object: ... !Ref Parameter ...}]`: the template parameter an S3
/// object ARN is built from.
fn from_parameter(resource: &Value) -> Option<String> {
    if tag(resource).as_deref() != Some("Sub") {
        return None;
    }
    let parts = untag(resource).as_sequence()?;
    let pattern = string(parts.first()?)?;
    if !pattern.starts_with("arn:${AWS::Partition}:s3:::${") {
        return None;
    }
    let variables = serde_yaml_ng::to_string(parts.get(1)?).ok()?;
    let parameters = get(&Template::load().doc, "Parameters")?
        .as_mapping()?
        .clone();
    parameters.keys().filter_map(string).find(|name| {
        variables.contains(&format!("!Ref {name}")) || variables.contains(&format!("Ref: {name}"))
    })
}

/// Every SDK operation called in the code: `<client>.<operation>()` with the client a `client` field or a
/// `logs`, `s3`, `omics`, `dynamodb` or `eventbridge` binding, across line breaks (`self.client\n.get_run()`).
/// Test modules are skipped.
fn sdk_operations(dir: &Path, found: &mut BTreeSet<(String, String)>) {
    const RECEIVERS: &[&str] = &["client", "logs", "s3", "omics", "dynamodb", "eventbridge"];
    const NOT_OPERATIONS: &[&str] = &["clone", "config", "as_ref", "iter"];
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sdk_operations(&path, found);
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.ends_with(".rs") || name.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let code: String = code
            .lines()
            .map(|line| line.split("//").next().unwrap_or_default().trim())
            .collect();
        let bytes = code.as_bytes();
        for receiver in RECEIVERS {
            for (at, _) in code.match_indices(&format!("{receiver}.")) {
                let boundary =
                    at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
                let rest = &code[at + receiver.len() + 1..];
                let op: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if boundary
                    && !op.is_empty()
                    && rest[op.len()..].starts_with("()")
                    && !NOT_OPERATIONS.contains(&op.as_str())
                {
                    let relative = path
                        .strip_prefix(root())
                        .unwrap_or(&path)
                        .display()
                        .to_string();
                    found.insert((op, relative));
                }
            }
        }
    }
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_sdk_call_in_the_code_has_a_declared_action() {
    let mut found = BTreeSet::new();
    sdk_operations(&root().join("shared/src"), &mut found);
    for entry in std::fs::read_dir(root().join("functions")).expect("functions/") {
        let src = entry.expect("entry").path().join("src");
        if src.is_dir() {
            sdk_operations(&src, &mut found);
        }
    }
    // The scan itself works: these calls exist.
    let ops: BTreeSet<&str> = found.iter().map(|(op, _)| op.as_str()).collect();
    for known in ["get_run", "list_run_tasks", "get_log_events"] {
        assert!(ops.contains(known), "scan missed {known}: {found:?}");
    }

    let declared: BTreeSet<&str> = iam::functions()
        .into_iter()
        .flat_map(|f| iam::actions(f).unwrap_or_default())
        .chain(iam::CLI_ONLY)
        .map(|action| action.split_once(':').map_or(*action, |(_, name)| name))
        .collect();
    let undeclared: Vec<String> = found
        .iter()
        .filter(|(op, _)| {
            // S3 authorizes HeadObject as s3:GetObject (there is no s3:HeadObject action).
            let name = match op.as_str() {
                "head_object" => "GetObject".to_owned(),
                other => pascal(other),
            };
            // DeleteObject with a version id is s3:DeleteObjectVersion.
            !declared.iter().any(|d| d.starts_with(&name))
        })
        .map(|(op, file)| format!("{op} in {file}"))
        .collect();
    assert!(
        undeclared.is_empty(),
        "SDK operations without an IAM action in shared/src/iam.rs (declare a const above the method and list \
         it for the functions that call it): {undeclared:?}"
    );
}

#[test]
fn enrichment_trigger_retries_and_dead_letter_queue() {
    let template = Template::load();
    let enrich = template.function("enrich-run");
    let rules = enrich.events("EventBridgeRule");
    assert_eq!(rules.len(), 1, "one EventBridge rule");
    let pattern = get(rules[0], "Pattern").expect("Pattern");
    let list = |key: &[&str]| -> BTreeSet<String> {
        path(pattern, key)
            .map(|v| strings(v).iter().filter_map(string).collect())
            .unwrap_or_default()
    };
    assert_eq!(list(&["source"]), BTreeSet::from([OMICS_SOURCE.to_owned()]));
    assert_eq!(
        list(&["detail-type"]),
        BTreeSet::from([RUN_STATUS_CHANGE.to_owned()])
    );
    let statuses: BTreeSet<String> = ENRICHED_STATUSES
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    assert_eq!(list(&["detail", "status"]), statuses);
    // HealthOmics events arrive on the default bus.
    assert!(get(rules[0], "EventBusName").is_none());

    let invoke = enrich
        .property("EventInvokeConfig")
        .expect("EventInvokeConfig");
    assert!(
        get(invoke, "MaximumRetryAttempts").is_some()
            && get(invoke, "MaximumEventAgeInSeconds").is_some()
    );
    let on_failure = path(invoke, &["DestinationConfig", "OnFailure"]).expect("OnFailure");
    assert_eq!(
        get(on_failure, "Type").and_then(string).as_deref(),
        Some("SQS")
    );
    let queue_id = get(on_failure, "Destination")
        .and_then(referenced_id)
        .expect("queue reference");
    let queue = template.resource(&queue_id);
    assert_eq!(
        get(queue, "Type").and_then(string).as_deref(),
        Some("AWS::SQS::Queue")
    );
    assert_eq!(
        path(queue, &["Properties", "SqsManagedSseEnabled"])
            .and_then(string)
            .as_deref(),
        Some("true"),
        "the dead-letter queue is encrypted"
    );
    let alarmed = template
        .of_type("AWS::CloudWatch::Alarm")
        .into_iter()
        .any(|(_, alarm)| {
            path(alarm, &["Properties", "Dimensions"])
                .map(strings)
                .unwrap_or_default()
                .iter()
                .any(|d| {
                    get(d, "Value").and_then(referenced_id).as_deref() == Some(queue_id.as_str())
                })
        });
    assert!(alarmed, "an alarm watches {queue_id}");

    // The event it publishes is the one the policy allows.
    let condition = enrich
        .statements()
        .into_iter()
        .find(|s| {
            strings(get(s, "Action").expect("Action"))
                .iter()
                .any(|a| string(a).as_deref() == Some("events:PutEvents"))
        })
        .and_then(|s| path(&s, &["Condition", "StringEquals", "events:source"]).and_then(string));
    assert_eq!(condition.as_deref(), Some(RUN_ENRICHED_SOURCE));
}

#[test]
fn functions_are_configured_with_what_their_policies_reach() {
    let template = Template::load();
    let mut cursor_signers = std::collections::BTreeSet::new();
    for f in template.functions() {
        let env = f.environment();
        let actions = f.granted_actions();
        let uses = |prefix: &str| actions.iter().any(|a| a.starts_with(prefix));
        let refers =
            |var: &str, id: &str| env.get(var).and_then(referenced_id).as_deref() == Some(id);
        // A function granted anything on a table is told its name, and only then.
        for (var, table) in [
            ("RUNS_TABLE_NAME", "RunsTable"),
            ("FLEET_TABLE_NAME", "FleetTable"),
            ("LIVE_TABLE_NAME", "LiveTable"),
        ] {
            let reaches = f.statements().iter().any(|statement| {
                get(statement, "Resource")
                    .map(strings)
                    .unwrap_or_default()
                    .iter()
                    .any(|r| referenced_id(r).as_deref() == Some(table))
            });
            assert_eq!(
                reaches,
                refers(var, table),
                "{}: {var} exactly when its policy reaches {table}",
                f.binary
            );
        }
        if uses("s3:") {
            assert!(
                refers("REPORTS_BUCKET_NAME", "ReportsBucket"),
                "{}: REPORTS_BUCKET_NAME",
                f.binary
            );
        }
        if uses("events:") {
            assert!(
                env.contains_key("EVENT_BUS_NAME"),
                "{}: EVENT_BUS_NAME",
                f.binary
            );
        }
        if uses("logs:") {
            assert_eq!(
                env.get("LOG_GROUP_NAME").and_then(string).as_deref(),
                Some(omics_introspect::config::DEFAULT_LOG_GROUP),
                "{}: LOG_GROUP_NAME must be the group its policy names",
                f.binary
            );
        }
        // List routes sign cursors: their binaries refuse to start without CURSOR_SECRET.
        let signs_cursors = omics_introspect::api::ROUTES.iter().any(|route| {
            route.function == f.binary
                && matches!(route.cursor, omics_introspect::api::CursorNeed::Required)
        });
        if signs_cursors {
            cursor_signers.insert(f.binary.clone());
            let secret = env
                .get("CURSOR_SECRET")
                .and_then(string)
                .unwrap_or_default();
            assert!(
                secret.starts_with("{{resolve:secretsmanager:${")
                    && secret.ends_with("}:SecretString}}"),
                "{}: CURSOR_SECRET must resolve the stack's secret, got {secret:?}",
                f.binary
            );
        }
    }
    // Every function of a list route was among them (the check above saw each one).
    let listing: std::collections::BTreeSet<String> = omics_introspect::api::ROUTES
        .iter()
        .filter(|route| matches!(route.cursor, omics_introspect::api::CursorNeed::Required))
        .map(|route| route.function.to_owned())
        .collect();
    assert!(!listing.is_empty());
    assert_eq!(
        cursor_signers, listing,
        "functions whose CURSOR_SECRET was checked"
    );

    // Stack resources are locked down.
    for (id, key, want) in ["RunsTable", "FleetTable", "LiveTable"]
        .into_iter()
        .flat_map(|id| {
            [
                (&["Properties", "BillingMode"][..], "PAY_PER_REQUEST"),
                (
                    &[
                        "Properties",
                        "PointInTimeRecoverySpecification",
                        "PointInTimeRecoveryEnabled",
                    ][..],
                    "true",
                ),
                (
                    &["Properties", "SSESpecification", "SSEEnabled"][..],
                    "true",
                ),
            ]
            .map(|(key, want)| (id, key, want))
        })
    {
        assert_eq!(
            path(template.resource(id), key).and_then(string).as_deref(),
            Some(want),
            "{id} {key:?}"
        );
    }
    let bucket = template.resource("ReportsBucket");
    let block = path(bucket, &["Properties", "PublicAccessBlockConfiguration"])
        .expect("public access block");
    for key in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            get(block, key).and_then(string).as_deref(),
            Some("true"),
            "{key}"
        );
    }
    assert!(path(bucket, &["Properties", "BucketEncryption"]).is_some());
    let tls_only = template
        .of_type("AWS::S3::BucketPolicy")
        .into_iter()
        .any(|(_, policy)| {
            path(policy, &["Properties", "Bucket"])
                .and_then(referenced_id)
                .as_deref()
                == Some("ReportsBucket")
                && path(policy, &["Properties", "PolicyDocument", "Statement"])
                    .map(strings)
                    .unwrap_or_default()
                    .iter()
                    .any(|s| {
                        get(s, "Effect").and_then(string).as_deref() == Some("Deny")
                            && path(s, &["Condition", "Bool", "aws:SecureTransport"])
                                .and_then(string)
                                .as_deref()
                                == Some("false")
                    })
        });
    assert!(tls_only, "ReportsBucket denies requests without TLS");
}

#[test]
fn sample_events_match_the_routes_they_invoke() {
    let template = Template::load();
    let served: BTreeSet<String> = template
        .functions()
        .iter()
        .flat_map(|f| f.events("HttpApi"))
        .filter_map(|e| {
            Some(format!(
                "{} {}",
                get(e, "Method").and_then(string)?,
                get(e, "Path").and_then(string)?
            ))
        })
        .collect();
    let mut samples = 0;
    // Binaries with at least one sample event: issue 5 wants one for every function of the template.
    let mut sampled: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("events")).expect("events/") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let event: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        if let Some(route_key) = event["routeKey"].as_str() {
            // An API Gateway v2 request: its route exists, and its path and parameters are what the route gives.
            samples += 1;
            assert!(
                served.contains(route_key),
                "{name}: routeKey {route_key} is no route of the template"
            );
            let route = ROUTES
                .iter()
                .find(|r| r.route_key() == route_key)
                .expect("route");
            let raw_path = event["rawPath"].as_str().expect("rawPath");
            let params = template_params(route.path_template, raw_path)
                .unwrap_or_else(|| panic!("{name}: rawPath {raw_path} does not match {route_key}"));
            let given: BTreeMap<String, String> = event["pathParameters"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                given,
                params.into_iter().collect::<BTreeMap<_, _>>(),
                "{name}: pathParameters"
            );
            assert_eq!(event["version"], "2.0", "{name}: payload format 2.0");
            sampled.insert(route.function.to_owned());
        } else if event["Records"][0]["eventSource"] == "aws:sqs" {
            // An SQS batch of HealthOmics events for the functions its queue feeds; each body is an event.
            samples += 1;
            let followed = event["Records"]
                .as_array()
                .expect("Records")
                .iter()
                .filter(|record| {
                    let body = record["body"].as_str().expect("a body");
                    omics_introspect::live::parse_live_event(
                        serde_json::from_str(body).expect("a JSON body"),
                    )
                    .is_ok()
                })
                .count();
            assert!(followed > 0, "{name}: no followed event in the batch");
            for function in template.functions() {
                if !function.events("SQS").is_empty() {
                    sampled.insert(function.binary.clone());
                }
            }
        } else if event["source"] == OMICS_SOURCE {
            samples += 1;
            for function in template.functions() {
                if !function.events("EventBridgeRule").is_empty() {
                    sampled.insert(function.binary.clone());
                }
            }
        }
    }
    assert!(samples > 0, "no sample events in events/");
    let unsampled: Vec<String> = template
        .functions()
        .into_iter()
        .map(|f| f.binary)
        .filter(|binary| !sampled.contains(binary))
        .collect();
    assert!(
        unsampled.is_empty(),
        "functions without a sample event in events/: {unsampled:?}"
    );
}

/// The text of every non-test Rust source under `dir` (comments kept out), for "is this name read anywhere".
fn source_text(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            source_text(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines() {
                out.push_str(line.split("//").next().unwrap_or_default());
                out.push('\n');
            }
        }
    }
}

#[test]
fn every_environment_variable_of_the_template_is_read_by_the_code() {
    // Read by the AWS SDK or the Lambda runtime crates themselves, not by our code.
    const READ_BY_LIBRARIES: &[&str] = &[
        "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
    ];
    let mut code = String::new();
    source_text(&root().join("shared/src"), &mut code);
    source_text(&root().join("functions"), &mut code);
    let template = Template::load();
    for f in template.functions() {
        for name in f.environment().keys() {
            if READ_BY_LIBRARIES.contains(&name.as_str()) {
                continue;
            }
            // A misspelt name (RIGHTSIZING_HEADROOM for RIGHT_SIZING_HEADROOM) is silently ignored at run time.
            assert!(
                code.contains(&format!("\"{name}\"")),
                "{}: {name} is set in template.yaml but no code reads it",
                f.binary
            );
        }
    }
}
