//! Pagination through the HTTP API: the 250-task fixture run in three pages of 100, nothing lost or repeated.
//!
//! Needs the local stack: run through `make test`.

use crate::api_support;

use std::collections::HashSet;

use api_support::{LocalApi, fixture, stack_state};

#[tokio::test]
async fn three_pages_of_the_250_task_run() {
    let api = LocalApi::start(stack_state().await).await;
    let mut ids: Vec<String> = Vec::new();
    let mut page_sizes = Vec::new();
    let mut path = "/runs/1000006/tasks?limit=100".to_owned();
    loop {
        let response = api.get(&path).await;
        assert_eq!(
            response.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&response.body)
        );
        let body = response.json().unwrap();
        let items = body["items"].as_array().unwrap();
        page_sizes.push(items.len());
        ids.extend(
            items
                .iter()
                .map(|t| t["taskId"].as_str().unwrap().to_owned()),
        );
        match body["nextCursor"].as_str() {
            Some(cursor) => {
                assert!(!cursor.is_empty());
                path = format!("/runs/1000006/tasks?limit=100&cursor={cursor}");
            }
            None => break,
        }
        assert!(
            page_sizes.len() <= 10,
            "pagination does not end: {page_sizes:?}"
        );
    }
    assert_eq!(page_sizes, [100, 100, 50]);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 250, "no task repeated");
    let expected: HashSet<String> = fixture("1000006", "tasks.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<HashSet<_>>(),
        expected,
        "no task lost"
    );
}

#[tokio::test]
async fn default_limit_is_50_and_filters_stay_bound_across_pages() {
    let api = LocalApi::start(stack_state().await).await;
    let first = api
        .get("/runs/1000006/tasks?status=completed")
        .await
        .json()
        .unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    let cursor = first["nextCursor"].as_str().unwrap();
    // The filter may be spelled differently (it is case-insensitive) but must be the same filter.
    let second = api
        .get(&format!(
            "/runs/1000006/tasks?status=COMPLETED&cursor={cursor}"
        ))
        .await;
    assert_eq!(second.status, 200);
    let second = second.json().unwrap();
    let first_ids: HashSet<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap())
        .collect();
    assert!(
        second["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| !first_ids.contains(t["taskId"].as_str().unwrap()))
    );
    // Changing the page size between pages is fine; dropping the filter is not.
    assert_eq!(
        api.get(&format!(
            "/runs/1000006/tasks?status=COMPLETED&limit=7&cursor={cursor}"
        ))
        .await
        .status,
        200
    );
    assert_eq!(
        api.get(&format!("/runs/1000006/tasks?cursor={cursor}"))
            .await
            .status,
        400
    );
}
