//! Cursor paging of the list routes (`{"items": [...], "nextCursor": "..."}`, `cursor=` for the next page), with a
//! progress spinner on stderr while `--all` walks every page.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

use crate::args::PageArgs;
use crate::client::ApiClient;
use crate::error::CliError;

/// Page size used by `--all` when `--limit` is not given: the API's largest, so the fewest requests.
pub const ALL_PAGE_SIZE: u16 = 100;

/// The items fetched, and the cursor of the next page when more remain.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Every item, in the API's order.
    pub items: Vec<Value>,
    /// `nextCursor` of the last page fetched; `None` when it was the last page.
    pub next_cursor: Option<String>,
}

/// Fetches one page, or every page with `--all`, of the list at `path` with the filters in `query`. `what` names
/// the items for the progress line (`tasks`).
pub async fn fetch(
    client: &ApiClient,
    path: &str,
    query: &[(&str, String)],
    page: &PageArgs,
    what: &str,
) -> Result<Fetched, CliError> {
    fetch_list(client, path, query, page, what, "items").await
}

/// [`fetch`] of a route whose page holds its items under `key` (the manifest's `tasks`).
pub async fn fetch_list(
    client: &ApiClient,
    path: &str,
    query: &[(&str, String)],
    page: &PageArgs,
    what: &str,
    key: &str,
) -> Result<Fetched, CliError> {
    let limit = page
        .limit
        .or(page.all.then_some(ALL_PAGE_SIZE))
        .map(|limit| limit.to_string());
    let progress = if page.all {
        progress_bar(what)
    } else {
        ProgressBar::hidden()
    };
    let mut fetched = Fetched::default();
    let mut cursor = page.cursor.clone();
    let mut pages = 0_u64;
    loop {
        let mut params = query.to_vec();
        if let Some(limit) = &limit {
            params.push(("limit", limit.clone()));
        }
        if let Some(cursor) = &cursor {
            params.push(("cursor", cursor.clone()));
        }
        let body = client.get_json(path, &params).await;
        let body = match body {
            Ok(body) => body,
            Err(error) => {
                progress.finish_and_clear();
                return Err(error);
            }
        };
        let (items, next) = split_page(body, key)?;
        pages += 1;
        fetched.items.extend(items);
        progress.set_message(format!(
            "{} {what} fetched ({pages} page{})",
            fetched.items.len(),
            if pages == 1 { "" } else { "s" }
        ));
        // A cursor that comes back unchanged would loop forever; the API never does that, but a proxy might.
        if next.is_some() && next == cursor {
            progress.finish_and_clear();
            return Err(CliError::Response(format!(
                "the API returned the same cursor twice while listing {what}"
            )));
        }
        fetched.next_cursor = next.clone();
        match next {
            Some(next) if page.all => cursor = Some(next),
            _ => break,
        }
    }
    progress.finish_and_clear();
    Ok(fetched)
}

/// A list page's items (under `key`) and `nextCursor`.
pub fn split_page(body: Value, key: &str) -> Result<(Vec<Value>, Option<String>), CliError> {
    let Value::Object(mut page) = body else {
        return Err(CliError::Response(
            "a list page is not a JSON object".to_owned(),
        ));
    };
    let items = match page.remove(key) {
        Some(Value::Array(items)) => items,
        _ => {
            return Err(CliError::Response(format!(
                "a list page has no {key} array"
            )));
        }
    };
    let next = match page.remove("nextCursor") {
        Some(Value::String(cursor)) if !cursor.is_empty() => Some(cursor),
        _ => None,
    };
    Ok((items, next))
}

/// A spinner with a count on stderr, drawn only when stderr is a terminal (never into a file or a pipe).
fn progress_bar(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        bar.set_style(style);
    }
    bar.set_message(format!("fetching {what}"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pages_split_into_items_and_cursor() {
        let (items, next) = split_page(
            json!({"items": [{"id": "1"}, {"id": "2"}], "nextCursor": "a.b"}),
            "items",
        )
        .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(next.as_deref(), Some("a.b"));
        let (items, next) = split_page(json!({"items": []}), "items").unwrap();
        assert!(items.is_empty() && next.is_none());
        assert!(split_page(json!([1, 2]), "items").is_err());
        assert!(split_page(json!({"runs": []}), "items").is_err());
        let (tasks, _) = split_page(json!({"tasks": [{"taskId": "1"}]}), "tasks").unwrap();
        assert_eq!(tasks.len(), 1);
    }
}
