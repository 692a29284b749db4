-- Evaluations by step, state and detail, kept by the statements that move them (README, "The
-- dashboard at scale"), so the dashboard, the stats endpoint and the flow page read a few hundred
-- counter rows instead of grouping every evaluation on each load.
--
-- Statement-level triggers with transition tables do the counting: every statement that
-- inserts, moves or deletes evaluations (the job's per-chunk statements, intake, routing, an
-- operator's requeue, the purge, SQL typed by hand) adds its net change per key in one
-- aggregate over the rows it touched, within its own transaction. Nothing is counted twice or
-- missed by a path someone forgot, and no client statement is added to a chunk.
--
-- The changes are appended, never updated in place: concurrent chunks of one step would
-- otherwise queue on the same counter row until each commits (and could deadlock taking two
-- such rows in different orders). The job folds the appended changes into evaluation_count
-- once a run; a read sums both, so it is exact whenever it runs.

-- What a count is kept by besides the state: WAITING rows a control deferred, SKIPPED rows by
-- what skipped them (their reasons carry ids and addresses), DONE rows by the branch taken.
CREATE FUNCTION evaluation_count_detail(state text, reason text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE state
        WHEN 'WAITING' THEN CASE WHEN reason LIKE 'deferred:%' THEN 'deferred' ELSE '' END
        WHEN 'SKIPPED' THEN
            CASE WHEN reason LIKE 'smart sending:%' THEN 'smart sending'
                 WHEN reason LIKE 'frequency cap %' THEN 'frequency cap'
                 WHEN reason = 'customer unsubscribed' THEN 'unsubscribed'
                 WHEN reason LIKE 'customer suppressed%' THEN 'suppressed'
                 WHEN reason LIKE 'flow filter:%' THEN 'exited the flow'
                 WHEN reason LIKE 'profile filter:%' THEN 'profile filter'
                 WHEN reason LIKE 'customer % no longer exists' THEN 'customer deleted'
                 WHEN reason = 'action is a draft' THEN 'draft'
                 ELSE 'other' END
        WHEN 'DONE' THEN coalesce(reason, '')
        ELSE '' END
$$;

CREATE TABLE evaluation_count (
    action_id bigint NOT NULL,
    state     text   NOT NULL,
    detail    text   NOT NULL,
    n         bigint NOT NULL,
    PRIMARY KEY (action_id, state, detail)
);

-- Net changes not folded yet: a row per key a statement changed.
CREATE TABLE evaluation_count_change (
    action_id bigint NOT NULL,
    state     text   NOT NULL,
    detail    text   NOT NULL,
    n         bigint NOT NULL
);

-- Rows an INSERT added count up, rows a DELETE removed count down; both triggers name their
-- transition table touched_rows. A statement that touched no row returns at once: the job's
-- recording statement continues a flow in the same statement, and most of its chunks continue
-- no one.
CREATE FUNCTION evaluation_count_added_or_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM touched_rows) THEN
        RETURN NULL;
    END IF;
    INSERT INTO evaluation_count_change (action_id, state, detail, n)
    SELECT action_id, state, evaluation_count_detail(state, reason),
           CASE TG_OP WHEN 'INSERT' THEN count(*) ELSE -count(*) END
    FROM touched_rows GROUP BY 1, 2, 3;
    RETURN NULL;
END
$$;

CREATE FUNCTION evaluation_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM after_rows) THEN
        RETURN NULL;
    END IF;
    INSERT INTO evaluation_count_change (action_id, state, detail, n)
    SELECT action_id, state, detail, sum(n)
    FROM (SELECT action_id, state, evaluation_count_detail(state, reason) AS detail, 1 AS n FROM after_rows
          UNION ALL
          SELECT action_id, state, evaluation_count_detail(state, reason), -1 FROM before_rows) moves
    GROUP BY 1, 2, 3
    HAVING sum(n) <> 0;
    RETURN NULL;
END
$$;

CREATE FUNCTION evaluation_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM evaluation_count;
    DELETE FROM evaluation_count_change;
    RETURN NULL;
END
$$;

-- The triggers come first: creating one locks evaluation against writes until this migration
-- commits, so the rows counted below are exactly those the triggers then count from.
CREATE TRIGGER evaluation_count_insert AFTER INSERT ON evaluation
    REFERENCING NEW TABLE AS touched_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluation_count_added_or_removed();
-- Every UPDATE (PostgreSQL allows no column list with transition tables); one that changes no
-- key, such as a reschedule, appends nothing.
CREATE TRIGGER evaluation_count_update AFTER UPDATE ON evaluation
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation_count_updated();
CREATE TRIGGER evaluation_count_delete AFTER DELETE ON evaluation
    REFERENCING OLD TABLE AS touched_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluation_count_added_or_removed();
CREATE TRIGGER evaluation_count_truncate AFTER TRUNCATE ON evaluation
    FOR EACH STATEMENT EXECUTE FUNCTION evaluation_count_truncated();

INSERT INTO evaluation_count (action_id, state, detail, n)
SELECT action_id, state, evaluation_count_detail(state, reason), count(*) FROM evaluation GROUP BY 1, 2, 3;

-- The earliest deferred evaluation of a step, for the dashboard: one probe of this index per
-- step with deferred rows, however many rows wait.
CREATE INDEX evaluation_deferred_due_idx ON evaluation (action_id, due_at)
    WHERE state = 'WAITING' AND reason LIKE 'deferred:%';
