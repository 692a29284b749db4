-- The reputation guard and temporary suppressions (README, "Bounces and complaints").

-- Sends, hard bounces and complaints per action and relay and minute: the guard judges the
-- rates over an action's (and its relay's) latest sends by summing the newest minutes. A bounce
-- or complaint counts in the minute it arrives. One row per action, relay and minute, written
-- once per chunk, so the guard never scans the evaluations.
CREATE TABLE send_tally (
    action_id    bigint      NOT NULL,
    relay        text        NOT NULL,
    minute       timestamptz NOT NULL,
    sent         integer     NOT NULL DEFAULT 0,
    hard_bounces integer     NOT NULL DEFAULT 0,
    complaints   integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (action_id, minute, relay)
);
CREATE INDEX send_tally_relay_idx ON send_tally (relay, minute);

-- Why an action is paused (the guard names the rate it saw), and since when the guard counts
-- again: an operator who resumes an action starts its window afresh (NULL: since its first send).
ALTER TABLE action ADD COLUMN status_reason text;
ALTER TABLE action ADD COLUMN guard_since timestamptz;

-- A suppression that ends (soft bounces: flowbatch.deliverability.soft-bounce-suppression);
-- NULL: for good.
ALTER TABLE customer ADD COLUMN suppressed_until timestamptz;
