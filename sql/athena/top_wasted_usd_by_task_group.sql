-- Top wasted USD by task group: the task groups (scatter shards of one task) whose instances were larger than
-- their peak use needed, by what running them on the recommended instance would have saved.
SELECT
  workflow_id,
  base_name,
  count(DISTINCT run_id || '/' || uuid) AS runs,
  count(*) AS tasks,
  sum(cost_usd) AS cost_usd,
  sum(savings_usd) AS wasted_usd
FROM tasks
WHERE savings_usd IS NOT NULL
GROUP BY workflow_id, base_name
ORDER BY wasted_usd DESC
LIMIT 100
