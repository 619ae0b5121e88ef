-- Failure classes by week: failed tasks per ISO week (Monday, UTC) of their run's stop date and failure class.
SELECT
  date_trunc('week', stop_date) AS week,
  failure_class,
  count(*) AS failed_tasks,
  count(DISTINCT run_id || '/' || uuid) AS runs,
  count(DISTINCT workflow_id) AS workflows
FROM tasks
WHERE failure_class IS NOT NULL
GROUP BY date_trunc('week', stop_date), failure_class
ORDER BY week, failed_tasks DESC
