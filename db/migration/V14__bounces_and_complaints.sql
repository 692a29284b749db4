-- What recipients' mail servers say after accepting a message (README, "Bounces and complaints").

-- A sent evaluation that bounced for good, or that its recipient reported as spam.
ALTER TABLE evaluation DROP CONSTRAINT evaluation_state_check;
ALTER TABLE evaluation ADD CONSTRAINT evaluation_state_check
    CHECK (state IN ('WAITING', 'BUFFERED', 'PROCESSING', 'SENDING', 'SENT', 'BOUNCED', 'COMPLAINED',
                     'SKIPPED', 'FAILED', 'IN_DOUBT', 'CANCELLED'));

-- Every bounce and complaint received, applied or rejected: a report seen before (the same kind
-- for the same message, or for the same address when no message is named) is recognised by its
-- key and changes nothing. A rejected one (a forged return path, a report that names no message)
-- is kept with its reason and changes nothing.
CREATE TABLE delivery_event (
    id            bigserial   PRIMARY KEY,
    dedupe_key    text        UNIQUE,
    type          text        CHECK (type IN ('HARD', 'SOFT', 'COMPLAINT')),
    rejected      text,
    evaluation_id bigint,
    email         text,
    diagnostic    text,
    source        text        NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_event_email_idx ON delivery_event (email, received_at);
