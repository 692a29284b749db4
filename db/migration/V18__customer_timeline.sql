-- The customer timeline (README, "The admin pages"): a customer's evaluations, and the bounces and
-- complaints of their messages, found by index rather than by a scan.
CREATE INDEX evaluation_customer_idx ON evaluation (customer_id, created_at);
CREATE INDEX delivery_event_evaluation_idx ON delivery_event (evaluation_id) WHERE evaluation_id IS NOT NULL;
