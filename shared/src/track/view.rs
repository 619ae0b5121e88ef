//! A live run as its readers see it: the state its events left in the live table, the names of its running tasks
//! (the events carry none: `ListRunTasks` filtered on `RUNNING`, a few pages at most) and its workflow's profile
//! (the recent-runs item of the fleet table), read by the progress route and by the straggler watch alike.

use std::collections::HashMap;
use std::sync::Arc;

use crate::analysis::Settings;
use crate::analysis::fleet::profile::workflow_profile;
use crate::error::Result;
use crate::ids::RunId;
use crate::live::LiveRun;
use crate::omics::{HealthOmics, MAX_PAGE, PageRequest};
use crate::record::fleet::WorkflowProfile;
use crate::status::TaskStatus;
use crate::store::{LiveRuns, RecentRuns};

/// Past COMPLETED runs a live run's profile is learned from (the profile route's default).
pub const PROFILE_RUNS: usize = 20;
/// `ListRunTasks` pages read for the names of running tasks: 300 names for 3 of the account's 10 requests/s.
pub const NAME_PAGES: usize = 3;

/// A live run and what its answer rests on.
#[derive(Debug, Clone)]
pub struct LiveView {
    /// Its state and the names found.
    pub run: LiveRun,
    /// Its workflow's profile, when the workflow has stored COMPLETED runs.
    pub profile: Option<WorkflowProfile>,
    /// What could not be read, for the answer to say.
    pub notes: Vec<String>,
}

/// Reads live runs.
#[derive(Debug, Clone)]
pub struct LiveReader {
    runs: LiveRuns,
    recent: RecentRuns,
    omics: HealthOmics,
    settings: Arc<Settings>,
}

impl LiveReader {
    /// A reader of `runs`, profiles from `recent` (priced and sized with `settings`), names from `omics`.
    pub fn new(
        runs: LiveRuns,
        recent: RecentRuns,
        omics: HealthOmics,
        settings: Arc<Settings>,
    ) -> Self {
        Self {
            runs,
            recent,
            omics,
            settings,
        }
    }

    /// The live runs read.
    pub fn runs(&self) -> &LiveRuns {
        &self.runs
    }

    /// The run as its events left it, with the names of its running tasks; `None` when no event of it was stored.
    pub async fn read(&self, run_id: &RunId) -> Result<Option<LiveView>> {
        let Some(mut view) = self.read_unnamed(run_id).await? else {
            return Ok(None);
        };
        self.name_running(run_id, &mut view).await;
        Ok(Some(view))
    }

    /// The run and its workflow's profile, without task names (no HealthOmics call); `None` when no event of it
    /// was stored.
    pub async fn read_unnamed(&self, run_id: &RunId) -> Result<Option<LiveView>> {
        let Some((state, _units)) = self.runs.read(run_id.as_str()).await? else {
            return Ok(None);
        };
        let profile = match &state.workflow_id {
            Some(workflow) => self.profile(workflow).await?,
            None => None,
        };
        Ok(Some(LiveView {
            run: LiveRun {
                state,
                names: HashMap::new(),
            },
            profile,
            notes: Vec::new(),
        }))
    }

    /// Reads the names of the run's running tasks into `view` (no call when none runs); what could not be read
    /// becomes a note, never an error: the counts stand without names.
    pub async fn name_running(&self, run_id: &RunId, view: &mut LiveView) {
        let running = view
            .run
            .state
            .board
            .entries()
            .any(|(_, entry)| entry.latest.status == TaskStatus::Running);
        if !running {
            return;
        }
        match self.running_names(run_id).await {
            Ok((names, complete)) => {
                view.run.names = names;
                if !complete {
                    view.notes.push(format!(
                        "task names were read for the first {} running tasks HealthOmics lists",
                        NAME_PAGES * MAX_PAGE as usize
                    ));
                }
            }
            Err(err) => view.notes.push(format!(
                "task names are missing: HealthOmics ListRunTasks failed ({})",
                err.code()
            )),
        }
    }

    /// The workflow's profile from its recent COMPLETED runs; `None` when none is stored.
    async fn profile(&self, workflow: &str) -> Result<Option<WorkflowProfile>> {
        let recent = self.recent.newest(workflow, PROFILE_RUNS).await?;
        Ok(recent
            .filter(|(runs, _)| !runs.is_empty())
            .map(|(runs, _)| {
                workflow_profile(
                    workflow,
                    &runs,
                    self.settings.headroom,
                    &self.settings.prices,
                )
            }))
    }

    /// Names of the run's RUNNING tasks by id, and whether every page was read.
    async fn running_names(&self, run_id: &RunId) -> Result<(HashMap<String, String>, bool)> {
        let mut names = HashMap::new();
        let mut token = None;
        for _ in 0..NAME_PAGES {
            let page = self
                .omics
                .list_run_tasks(
                    run_id,
                    Some(&TaskStatus::Running),
                    &PageRequest {
                        starting_token: token,
                        max_results: Some(MAX_PAGE),
                    },
                )
                .await?;
            names.extend(
                page.items
                    .into_iter()
                    .filter_map(|task| Some((task.task_id?, task.name?))),
            );
            token = page.next_token;
            if token.is_none() {
                return Ok((names, true));
            }
        }
        Ok((names, false))
    }
}
