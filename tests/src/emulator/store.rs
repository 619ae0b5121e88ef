//! The in-memory run store and the list views derived from it.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::errors::ApiError;
use super::validation::is_valid_id;

/// Members of a GetRun body copied into a ListRuns `RunListItem` (service model order).
pub const RUN_LIST_ITEM_MEMBERS: &[&str] = &[
    "arn",
    "id",
    "status",
    "workflowId",
    "batchId",
    "name",
    "priority",
    "storageCapacity",
    "creationTime",
    "startTime",
    "stopTime",
    "storageType",
    "workflowVersionName",
    "workflowName",
];

/// Members of a GetRunTask body copied into a ListRunTasks `TaskListItem` (service model order).
pub const TASK_LIST_ITEM_MEMBERS: &[&str] = &[
    "taskId",
    "status",
    "name",
    "cpus",
    "cacheHit",
    "cacheS3Uri",
    "memory",
    "creationTime",
    "startTime",
    "stopTime",
    "gpus",
    "instanceType",
    "uuid",
];

/// Copies the listed members that are present (and not null) in `body` into a new object.
pub fn project(body: &Value, members: &[&str]) -> Value {
    let mut item = Map::new();
    for &member in members {
        if let Some(value) = body.get(member).filter(|v| !v.is_null()) {
            item.insert(member.to_owned(), value.clone());
        }
    }
    Value::Object(item)
}

/// Removes top-level null members: the service omits absent members and never sends null. Nested documents
/// (such as `parameters`) are left alone because null is a legal value inside them.
fn strip_top_level_nulls(body: &mut Map<String, Value>) {
    body.retain(|_, value| !value.is_null());
}

/// Parses a timestamp as the service would hold it, to microseconds since the epoch. Accepts RFC 3339, ISO-8601
/// without a zone (read as UTC) and epoch seconds as a number; anything else sorts as oldest.
pub fn timestamp_micros(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_micros())
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                    .map(|t| t.and_utc().timestamp_micros())
            })
            .unwrap_or(i64::MIN),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(|secs| (secs * 1e6) as i64)
            .unwrap_or(i64::MIN),
        _ => i64::MIN,
    }
}

/// ListRuns order: newest `creationTime` first, then the larger id. Compared ascending, a *smaller* key comes
/// *later* in the list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunSortKey {
    created_micros: i64,
    id_number: u64,
    // Final tie-break so ids like "01" and "1" still have a strict order.
    id: String,
}

impl RunSortKey {
    fn new(created_micros: i64, id: &str) -> Self {
        Self {
            created_micros,
            id_number: id.parse().unwrap_or(0),
            id: id.to_owned(),
        }
    }

    /// The key as a page-token position.
    pub fn to_position(&self) -> String {
        format!("{}.{}", self.created_micros, self.id)
    }

    /// Reads a key written by [`RunSortKey::to_position`].
    pub fn from_position(position: &str) -> Option<Self> {
        let (micros, id) = position.split_once('.')?;
        let micros = micros.parse().ok()?;
        is_valid_id(id).then(|| Self::new(micros, id))
    }
}

/// One stored run: its GetRun body and its tasks' GetRunTask bodies.
#[derive(Debug, Clone)]
pub struct StoredRun {
    id: String,
    body: Value,
    tasks: Vec<Value>,
    task_index: HashMap<String, usize>,
    sort_key: RunSortKey,
}

fn member_str<'a>(body: &'a Map<String, Value>, member: &str) -> Option<&'a str> {
    body.get(member).and_then(Value::as_str)
}

impl StoredRun {
    /// Checks and indexes a seeded run: the run body must be an object with a valid string `id`, every task an
    /// object with a valid, unique string `taskId`.
    pub fn new(run: Value, tasks: Vec<Value>) -> Result<Self, ApiError> {
        let Value::Object(mut run) = run else {
            return Err(ApiError::validation(
                "run must be a JSON object (a GetRun response body)",
            ));
        };
        strip_top_level_nulls(&mut run);
        let id = match member_str(&run, "id") {
            Some(id) if is_valid_id(id) => id.to_owned(),
            _ => {
                return Err(ApiError::validation(
                    "run.id must be a string of 1-18 digits",
                ));
            }
        };
        let mut task_index = HashMap::with_capacity(tasks.len());
        let mut stored_tasks = Vec::with_capacity(tasks.len());
        for (position, task) in tasks.into_iter().enumerate() {
            let Value::Object(mut task) = task else {
                return Err(ApiError::validation(format!(
                    "tasks[{position}] must be a JSON object"
                )));
            };
            strip_top_level_nulls(&mut task);
            let task_id = match member_str(&task, "taskId") {
                Some(task_id) if is_valid_id(task_id) => task_id.to_owned(),
                _ => {
                    return Err(ApiError::validation(format!(
                        "tasks[{position}].taskId must be a string of 1-18 digits"
                    )));
                }
            };
            if task_index.insert(task_id.clone(), position).is_some() {
                return Err(ApiError::validation(format!(
                    "tasks[{position}].taskId {task_id} is duplicated"
                )));
            }
            stored_tasks.push(Value::Object(task));
        }
        let sort_key = RunSortKey::new(timestamp_micros(run.get("creationTime")), &id);
        Ok(Self {
            id,
            body: Value::Object(run),
            tasks: stored_tasks,
            task_index,
            sort_key,
        })
    }

    /// The run id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The run's `uuid`, if the body has one.
    pub fn uuid(&self) -> Option<&str> {
        self.body.get("uuid").and_then(Value::as_str)
    }

    /// The stored GetRun body.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// Number of stored tasks.
    pub fn task_count(&self) -> usize {
        self.tasks.len()
    }

    /// The stored GetRunTask body of `task_id`.
    pub fn task(&self, task_id: &str) -> Option<&Value> {
        self.task_index
            .get(task_id)
            .and_then(|&i| self.tasks.get(i))
    }

    /// One ListRunTasks page: up to `max` TaskListItems matching `status`, scanning the stored order from index
    /// `start`. Also returns the index the next page starts at, or `None` when no further task matches, so the
    /// last page never carries a token.
    pub fn list_tasks(
        &self,
        status: Option<&str>,
        start: usize,
        max: usize,
    ) -> (Vec<Value>, Option<usize>) {
        let matches = |task: &Value| {
            status.is_none_or(|s| task.get("status").and_then(Value::as_str) == Some(s))
        };
        let mut items = Vec::with_capacity(max.min(self.tasks.len()));
        let mut next = None;
        for (index, task) in self.tasks.iter().enumerate().skip(start) {
            if !matches(task) {
                continue;
            }
            if items.len() == max {
                next = Some(index);
                break;
            }
            items.push(project(task, TASK_LIST_ITEM_MEMBERS));
        }
        (items, next)
    }

    fn member(&self, member: &str) -> Option<&str> {
        self.body.get(member).and_then(Value::as_str)
    }
}

/// ListRuns filters; `None` means "not filtered".
#[derive(Debug, Clone, Copy, Default)]
pub struct RunFilter<'a> {
    /// Prefix of the run name.
    pub name: Option<&'a str>,
    /// Exact run group id.
    pub run_group_id: Option<&'a str>,
    /// Exact batch id.
    pub batch_id: Option<&'a str>,
    /// Exact run status.
    pub status: Option<&'a str>,
}

impl RunFilter<'_> {
    fn matches(&self, run: &StoredRun) -> bool {
        let exact = |filter: Option<&str>, member: &str| {
            filter.is_none_or(|f| run.member(member) == Some(f))
        };
        self.name.is_none_or(|prefix| {
            run.member("name")
                .is_some_and(|name| name.starts_with(prefix))
        }) && exact(self.run_group_id, "runGroupId")
            && exact(self.batch_id, "batchId")
            && exact(self.status, "status")
    }
}

/// All seeded runs, keyed by run id.
#[derive(Debug, Default)]
pub struct Store {
    runs: HashMap<String, StoredRun>,
}

impl Store {
    /// Adds a run, replacing any run with the same id.
    pub fn insert(&mut self, run: StoredRun) {
        self.runs.insert(run.id.clone(), run);
    }

    /// The run with `id`.
    pub fn run(&self, id: &str) -> Option<&StoredRun> {
        self.runs.get(id)
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether the store holds no run.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Drops every run.
    pub fn clear(&mut self) {
        self.runs.clear();
    }

    /// One ListRuns page: up to `max` RunListItems matching `filter` that come after `after` in list order.
    /// Paging by key rather than offset keeps pages stable while other tests seed runs concurrently. Also returns
    /// the key of the last item when more items follow.
    pub fn list_runs(
        &self,
        filter: &RunFilter<'_>,
        after: Option<&RunSortKey>,
        max: usize,
    ) -> (Vec<Value>, Option<RunSortKey>) {
        let mut candidates: Vec<&StoredRun> = self
            .runs
            .values()
            .filter(|run| after.is_none_or(|key| run.sort_key < *key) && filter.matches(run))
            .collect();
        candidates.sort_unstable_by(|a, b| b.sort_key.cmp(&a.sort_key));
        let more = candidates.len() > max;
        candidates.truncate(max);
        let next = if more {
            candidates.last().map(|run| run.sort_key.clone())
        } else {
            None
        };
        let items = candidates
            .iter()
            .map(|run| project(&run.body, RUN_LIST_ITEM_MEMBERS))
            .collect();
        (items, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(id: &str, created: &str, status: &str) -> StoredRun {
        StoredRun::new(
            json!({"id": id, "name": format!("run-{id}"), "status": status, "creationTime": created,
            "uuid": "u", "outputUri": "s3://x"}),
            vec![],
        )
        .unwrap()
    }

    #[test]
    fn projection_keeps_only_present_list_members() {
        let item = project(
            &json!({"id": "1", "status": "RUNNING", "outputUri": "s3://x", "name": null}),
            RUN_LIST_ITEM_MEMBERS,
        );
        assert_eq!(item, json!({"id": "1", "status": "RUNNING"}));
    }

    #[test]
    fn runs_list_newest_first_ties_by_id_descending() {
        let mut store = Store::default();
        store.insert(run("5", "2024-01-01T00:00:00Z", "COMPLETED"));
        store.insert(run("7", "2024-01-01T00:00:00.000Z", "FAILED"));
        store.insert(run("10", "2024-01-02T00:00:00Z", "COMPLETED"));
        store.insert(run("3", "2023-12-31T23:59:59.999999", "COMPLETED"));
        let (items, next) = store.list_runs(&RunFilter::default(), None, 100);
        let ids: Vec<_> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["10", "7", "5", "3"]);
        assert!(next.is_none());

        let (page, next) = store.list_runs(&RunFilter::default(), None, 2);
        assert_eq!(page.len(), 2);
        let next = next.unwrap();
        let key = RunSortKey::from_position(&next.to_position()).unwrap();
        let (rest, last) = store.list_runs(&RunFilter::default(), Some(&key), 2);
        let ids: Vec<_> = rest.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["5", "3"]);
        assert!(last.is_none());

        let filter = RunFilter {
            status: Some("COMPLETED"),
            name: Some("run-1"),
            ..Default::default()
        };
        let (items, _) = store.list_runs(&filter, None, 100);
        assert_eq!(
            items,
            vec![json!({"id": "10", "name": "run-10", "status": "COMPLETED",
            "creationTime": "2024-01-02T00:00:00Z"})]
        );
    }

    #[test]
    fn task_pages_scan_stored_order_and_omit_token_on_last_page() {
        let tasks = (1..=5)
            .map(|i| json!({"taskId": i.to_string(), "status": if i % 2 == 0 { "FAILED" } else { "COMPLETED" },
                "logStream": "x"}))
            .collect();
        let run = StoredRun::new(json!({"id": "1"}), tasks).unwrap();
        let (items, next) = run.list_tasks(None, 0, 2);
        assert_eq!(
            items,
            vec![
                json!({"taskId": "1", "status": "COMPLETED"}),
                json!({"taskId": "2", "status": "FAILED"})
            ]
        );
        assert_eq!(next, Some(2));
        let (items, next) = run.list_tasks(Some("COMPLETED"), 0, 2);
        assert_eq!(items.len(), 2);
        // Third COMPLETED task is at index 4.
        assert_eq!(next, Some(4));
        let (items, next) = run.list_tasks(Some("COMPLETED"), 4, 2);
        assert_eq!(items.len(), 1);
        assert_eq!(next, None);
        // Exactly max matches left: no token.
        let (items, next) = run.list_tasks(Some("FAILED"), 0, 2);
        assert_eq!((items.len(), next), (2, None));
        assert_eq!(run.list_tasks(None, 99, 2), (vec![], None));
    }

    #[test]
    fn seeded_bodies_are_checked() {
        assert!(StoredRun::new(json!([]), vec![]).is_err());
        assert!(StoredRun::new(json!({"id": 1}), vec![]).is_err());
        assert!(StoredRun::new(json!({"id": "1"}), vec![json!({"taskId": "x"})]).is_err());
        assert!(
            StoredRun::new(
                json!({"id": "1"}),
                vec![json!({"taskId": "2"}), json!({"taskId": "2"})]
            )
            .is_err()
        );
        let run = StoredRun::new(
            json!({"id": "1", "stopTime": null, "parameters": {"a": null}}),
            vec![],
        )
        .unwrap();
        assert_eq!(run.body(), &json!({"id": "1", "parameters": {"a": null}}));
    }
}
