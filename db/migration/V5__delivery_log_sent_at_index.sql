-- The admin dashboard charts the last hour's sends per minute.
CREATE INDEX delivery_log_sent_at_idx ON delivery_log (sent_at);
