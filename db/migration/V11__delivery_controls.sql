-- Marketing or transactional: a transactional email (order confirmation, password reset) still
-- goes to a customer who unsubscribed from marketing, never to a suppressed address, and passes
-- no marketing control.
ALTER TABLE action ADD COLUMN kind text NOT NULL DEFAULT 'MARKETING' CHECK (kind IN ('MARKETING', 'TRANSACTIONAL'));

-- Smart sending: a marketing action with it skips a customer who was sent any marketing email
-- within flowbatch.delivery.smart-sending-window.
ALTER TABLE action ADD COLUMN smart_sending boolean NOT NULL DEFAULT true;

-- The last marketing email each customer was sent, or is being sent: reserved per chunk, in one
-- conditional statement committed before the chunk sends, so two partitions (or nodes) sending
-- to the same customer at once cannot both pass. A reservation whose message did not go out is
-- given back (the one before it restored).
CREATE TABLE marketing_send (
    customer_id            bigint      PRIMARY KEY,
    sent_at                timestamptz NOT NULL,
    evaluation_id          bigint      NOT NULL,
    action_id              bigint      NOT NULL,
    previous_sent_at       timestamptz,
    previous_evaluation_id bigint,
    previous_action_id     bigint
);
CREATE INDEX marketing_send_evaluation_idx ON marketing_send (evaluation_id);
