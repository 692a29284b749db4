-- Fences for "nothing sent twice" (docs/architecture.md, "Who may send").

-- A step execution may claim evaluations, mark them SENDING and hand their messages to the mail
-- server only while it holds a live lease here. Its node renews the lease while the step's
-- thread runs; a lease that expired is never renewed again. Recovery takes a step's PROCESSING
-- rows back only after its lease expired, and its SENDING rows only after the send grace on top,
-- so that nothing the owner handed over before the expiry can still be on its way.
CREATE TABLE claim_lease (
    step_execution_id bigint      PRIMARY KEY
                                  REFERENCES batch_step_execution (step_execution_id) ON DELETE CASCADE,
    expires_at        timestamptz NOT NULL,
    -- The send grace of the node that holds it (from its own SMTP timeouts): how long after the
    -- expiry its SENDING rows are still left alone, by whichever node recovers them.
    send_grace        interval    NOT NULL,
    -- Set when the step's thread left the step: it sends nothing more.
    released_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- When an operator closed an IN_DOUBT evaluation as SENT or FAILED: its message may have been
-- delivered, so a bulk requeue never picks it up again, and a requeue by id needs a confirmation.
ALTER TABLE evaluation ADD COLUMN in_doubt_closed_at timestamptz;

-- Every node says which delivery guarantee it runs; a node refuses to join nodes that disagree
-- (one at-least-once node would resend what every node recovers).
ALTER TABLE node ADD COLUMN guarantee text;
