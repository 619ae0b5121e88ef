//! The route table: one entry per API Gateway route and the Lambda function serving it.
//!
//! API Gateway does the routing in AWS; `local-api` (and the template consistency test) use [`ROUTES`] and
//! [`resolve`] to do the same locally, with the same path templates.

use std::collections::HashMap;

/// One API route: `method path_template` served by `function`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// HTTP method, upper case (`GET`).
    pub method: &'static str,
    /// Path template in API Gateway syntax, e.g. `/runs/{runId}/tasks/{taskId}`.
    pub path_template: &'static str,
    /// Name of the Lambda function (and of its crate in `functions/`).
    pub function: &'static str,
}

impl Route {
    /// The API Gateway route key, e.g. `GET /runs/{runId}`.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path_template)
    }

    /// Path parameters if `path` matches this route's template, else `None`. Segments are percent-decoded; an
    /// empty segment never matches a parameter.
    pub fn match_path(&self, path: &str) -> Option<HashMap<String, String>> {
        let mut template = self.path_template.split('/');
        let mut actual = path.split('/');
        let mut params = HashMap::new();
        loop {
            match (template.next(), actual.next()) {
                (None, None) => return Some(params),
                (Some(expected), Some(segment)) => {
                    if let Some(name) = expected
                        .strip_prefix('{')
                        .and_then(|rest| rest.strip_suffix('}'))
                    {
                        if segment.is_empty() {
                            return None;
                        }
                        params.insert(name.to_owned(), percent_decode(segment));
                    } else if expected != segment {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }
}

/// Every route of the API, in the order the OpenAPI document lists them.
pub static ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path_template: "/runs",
        function: "list-runs",
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}",
        function: "get-run",
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/tasks",
        function: "list-run-tasks",
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/tasks/{taskId}",
        function: "get-run-task",
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/report",
        function: "get-run-report",
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/manifest",
        function: "get-run-manifest",
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/timeline",
        function: "get-run-timeline",
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/compare/{otherRunId}",
        function: "compare-runs",
    },
];

/// What [`resolve`] found for a method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A route matches; its path parameters are decoded.
    Found {
        /// The matching route.
        route: &'static Route,
        /// Path parameters by template name (`runId`, `taskId`, `otherRunId`).
        params: HashMap<String, String>,
    },
    /// The path exists but not with this method; `allow` lists the methods that do (`GET`).
    MethodNotAllowed {
        /// Value for the `Allow` header.
        allow: String,
    },
    /// No route has this path.
    NotFound,
}

/// Finds the route for `method` and `path` in `routes` (usually [`ROUTES`]).
pub fn resolve(routes: &'static [Route], method: &str, path: &str) -> Resolution {
    let mut allowed: Vec<&str> = Vec::new();
    for route in routes {
        if let Some(params) = route.match_path(path) {
            if route.method.eq_ignore_ascii_case(method) {
                return Resolution::Found { route, params };
            }
            if !allowed.contains(&route.method) {
                allowed.push(route.method);
            }
        }
    }
    if allowed.is_empty() {
        Resolution::NotFound
    } else {
        Resolution::MethodNotAllowed {
            allow: allowed.join(", "),
        }
    }
}

/// Decodes `%XX` escapes; invalid escapes stay as they are and invalid UTF-8 is replaced, so it never fails.
pub fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(method: &str, path: &str) -> Option<(&'static str, HashMap<String, String>)> {
        match resolve(ROUTES, method, path) {
            Resolution::Found { route, params } => Some((route.function, params)),
            _ => None,
        }
    }

    #[test]
    fn resolves_every_route() {
        assert_eq!(found("GET", "/runs").unwrap().0, "list-runs");
        let (function, params) = found("GET", "/runs/42").unwrap();
        assert_eq!(function, "get-run");
        assert_eq!(params["runId"], "42");
        assert_eq!(found("get", "/runs/42/tasks").unwrap().0, "list-run-tasks");
        let (function, params) = found("GET", "/runs/42/tasks/7").unwrap();
        assert_eq!(function, "get-run-task");
        assert_eq!(
            (params["runId"].as_str(), params["taskId"].as_str()),
            ("42", "7")
        );
    }

    #[test]
    fn parameters_are_not_validated_here() {
        // A malformed id still matches: the handler answers 400 naming the parameter.
        assert_eq!(found("GET", "/runs/abc").unwrap().1["runId"], "abc");
        assert_eq!(found("GET", "/runs/%31%32").unwrap().1["runId"], "12");
        // Split before decoding: an encoded slash stays inside its segment (found by the property tests).
        assert_eq!(found("GET", "/runs/%2f").unwrap().1["runId"], "/");
        let (function, params) = found("GET", "/runs/1%2Ftasks").unwrap();
        assert_eq!((function, params["runId"].as_str()), ("get-run", "1/tasks"));
    }

    #[test]
    fn unknown_paths_and_methods() {
        for path in [
            "/",
            "",
            "/run",
            "/runs/",
            "/runs/1/",
            "/runs//tasks",
            "/runs/1/tasks/2/x",
        ] {
            assert_eq!(
                resolve(ROUTES, "GET", path),
                Resolution::NotFound,
                "{path:?}"
            );
        }
        assert_eq!(
            resolve(ROUTES, "POST", "/runs/1"),
            Resolution::MethodNotAllowed {
                allow: "GET".into()
            }
        );
    }

    #[test]
    fn route_keys_and_function_names_are_unique() {
        let mut keys: Vec<String> = ROUTES.iter().map(Route::route_key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), ROUTES.len());
        assert_eq!(ROUTES[3].route_key(), "GET /runs/{runId}/tasks/{taskId}");
    }

    #[test]
    fn percent_decoding_never_fails() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        assert_eq!(percent_decode("%E2%82%AC"), "€");
    }
}
