-- The step that follows an action in its flow, if any: where an evaluation goes next when the
-- flow continues (after a send, a skipped draft step, or an IN_DOUBT closed as sent).
CREATE VIEW action_next AS
SELECT a.id AS action_id, n.id AS next_action_id, n.delay AS next_delay
FROM action a
CROSS JOIN LATERAL (
    SELECT x.id, x.delay FROM action x
    WHERE x.flow_id = a.flow_id AND x.position > a.position
    ORDER BY x.position
    LIMIT 1
) n;
