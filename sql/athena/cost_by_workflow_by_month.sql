-- Cost by workflow by month: what each workflow's runs cost, per calendar month (UTC) of their stop date.
-- known_usd is what could be priced; total_usd adds up only the runs whose cost is complete.
SELECT
  workflow_id,
  max(workflow_name) AS workflow_name,
  date_trunc('month', stop_date) AS month,
  count(*) AS runs,
  sum(CASE WHEN cost_complete THEN 0 ELSE 1 END) AS incomplete_runs,
  sum(compute_usd) AS compute_usd,
  sum(storage_usd) AS storage_usd,
  sum(total_usd) AS total_usd,
  sum(known_usd) AS known_usd,
  sum(known_savings_usd) AS savings_usd
FROM runs
GROUP BY workflow_id, date_trunc('month', stop_date)
ORDER BY month, known_usd DESC
