-- Marketing or transactional: a transactional email (order confirmation, password reset) still
-- goes to a customer who unsubscribed from marketing, never to a suppressed address.
ALTER TABLE action ADD COLUMN kind text NOT NULL DEFAULT 'MARKETING' CHECK (kind IN ('MARKETING', 'TRANSACTIONAL'));
