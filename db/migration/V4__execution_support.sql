-- What the minute job needs beyond the first schema.

-- The buffer step claims due rows per action, oldest first, so that a paused action with a
-- large backlog never has to be scanned past by the live ones.
CREATE INDEX evaluation_action_waiting_due_idx ON evaluation (action_id, due_at, id) WHERE state = 'WAITING';

-- The reconciler re-pushes BUFFERED rows that have waited too long (their Redis entry may be lost).
CREATE INDEX evaluation_buffered_updated_idx ON evaluation (updated_at) WHERE state = 'BUFFERED';

-- Settings the application generates once and must keep across restarts and instances
-- (the unsubscribe-link signing key).
CREATE TABLE app_setting (
    name       text PRIMARY KEY,
    value      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
