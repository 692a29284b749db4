-- FAILED and IN_DOUBT evaluations are what operators act on: counted for metrics and the dashboard
-- on every scrape, they must not cost a scan of every evaluation.
CREATE INDEX evaluation_attention_idx ON evaluation (action_id, state) WHERE state IN ('FAILED', 'IN_DOUBT');
