-- The partial indexes over the states a row passes through in seconds (BUFFERED, PROCESSING,
-- SENDING) are keyed by id. Statistics are gathered while few rows sit in such a state, so the
-- planner takes these indexes for nearly empty; keyed on another column, it chose them for the
-- statements that name their rows by id (the claim of popped ids, the mark of a window) and read
-- every entry, dead ones included, for each chunk: a spike of 100,000 read 20 million index
-- entries. Keyed by id, the same choice probes only the rows named.
--
-- Plain, not CONCURRENTLY (Flyway runs each migration in a transaction): the partial indexes
-- hold only rows in flight and build in moments, but (action_id, id) reads the whole table and
-- holds writes to it while it builds, seconds per million rows; upgrade between runs.

DROP INDEX evaluation_buffered_updated_idx;
-- The reconciler's scan of BUFFERED rows waiting too long, and the claim.
CREATE INDEX evaluation_buffered_idx ON evaluation (id) WHERE state = 'BUFFERED';

DROP INDEX evaluation_claimed_idx;
-- Recovery's scan of claimed rows, and a window's mark and outcomes.
CREATE INDEX evaluation_claimed_idx ON evaluation (id) WHERE state IN ('PROCESSING', 'SENDING');

-- Keyed on (action_id, state), statistics that saw no BUFFERED row made the same mistake with the
-- whole index for the claim (which checks the action too). Per action, by id: the admin pages'
-- lists and counts of one action; the states operators act on have their own partial indexes.
DROP INDEX evaluation_action_state_idx;
CREATE INDEX evaluation_action_idx ON evaluation (action_id, id);
