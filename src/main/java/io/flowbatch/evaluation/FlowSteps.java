package io.flowbatch.evaluation;

/**
 * The one way an evaluation row comes into being: a flow's step for a customer, WAITING,
 * due at a time. Intake starts flows with {@link #firstStepsOf}; a step that ends and
 * continues its flow (sent, a skipped draft, an IN_DOUBT closed as sent) creates the next
 * with {@link #NEXT_STEPS}.
 *
 * <p>
 * These are SQL fragments, not methods, because each caller writes the rows that cause
 * the steps in the same statement: intake stores its events and their first steps in one
 * round trip, and a chunk's outcomes and next steps commit together. An event is never
 * stored without its flows' first steps, nor an outcome without its next step.
 */
public final class FlowSteps {

    private static final String INSERT = """
            INSERT INTO evaluation (action_id, customer_id, event_id, flow_started_at, due_at)
            """;

    /**
     * The next step of each row of relation {@code %s} (its columns {@code action_id,
     * customer_id, event_id, flow_started_at}), due {@code :now} plus that step's delay;
     * rows whose action is its flow's last create nothing.
     */
    static final String NEXT_STEPS = INSERT + """
            SELECT n.next_action_id, s.customer_id, s.event_id, s.flow_started_at, %s
            FROM %%s s JOIN action_next n ON n.action_id = s.action_id
            WHERE %s
            """.formatted(dueAt(":now + n.next_delay", "n.next_delay_at", "s.customer_id"),
            stillInFlow("n.next_action_id"));

    /**
     * The step each row of relation {@code %s} was routed to (its columns
     * {@code next_action_id, customer_id, event_id, flow_started_at}), due {@code :now}
     * plus that step's delay; a row routed nowhere ends its path.
     */
    static final String ROUTED_STEPS = INSERT + """
            SELECT n.id, s.customer_id, s.event_id, s.flow_started_at, %s
            FROM %%s s JOIN action n ON n.id = s.next_action_id
            WHERE %s
            """.formatted(dueAt(":now + n.delay", "n.delay_at", "s.customer_id"), stillInFlow("n.id"));

    /**
     * {@code %%2$s} is the trigger filters' clause ({@link TriggerFilters}), over the
     * event {@code s}, its customer {@code c} and its flow {@code f}.
     */
    private static final String FIRST_STEPS = INSERT + """
            SELECT first_step.id, s.customer_id, s.id, s.occurred_at, %s
            FROM %%1$s s
            JOIN flow f ON f.trigger_metric = s.metric AND f.status = 'LIVE'
            LEFT JOIN customer c ON c.id = s.customer_id
            CROSS JOIN LATERAL (
                SELECT a.id, a.delay, a.delay_at FROM action a
                WHERE a.flow_id = f.id AND a.removed_in_version IS NULL
                ORDER BY a.position LIMIT 1
            ) first_step
            WHERE %%2$s
            """.formatted(dueAt("s.occurred_at + first_step.delay", "first_step.delay_at", "s.customer_id"));

    private FlowSteps() {
    }

    /**
     * A step an edit removed, or one of an archived flow, gets no new evaluation: a chunk
     * that was in flight when the flow was edited or archived does not carry its
     * customers there.
     */
    private static String stillInFlow(String actionId) {
        return "EXISTS (SELECT 1 FROM action x JOIN flow xf ON xf.id = x.flow_id WHERE x.id = " + actionId
                + " AND x.removed_in_version IS NULL AND xf.status <> 'ARCHIVED')";
    }

    /**
     * When a step is due: the end of its delay, or, for a delay that ends at a local
     * time, the first time after it that the customer's clock (their zone, else
     * {@code :defaultZone}) reads that time. The customer's zone is read only for such a
     * step.
     */
    private static String dueAt(String delayEnd, String localTime, String customerId) {
        return """
                CASE WHEN %2$s IS NULL THEN %1$s
                     ELSE next_local_time(%1$s, %2$s, customer_zone(
                         (SELECT c.timezone FROM customer c WHERE c.id = %3$s), :defaultZone)) END"""
            .formatted(delayEnd, localTime, customerId);
    }

    /**
     * The statement that creates, for each event of {@code events} (a relation with the
     * columns {@code id, customer_id, metric, properties, occurred_at}), the first step
     * of every live flow its metric triggers and whose trigger filter it meets, due at
     * the event's time plus that step's delay.
     */
    public static String firstStepsOf(String events, TriggerFilters.Clause filters) {
        return FIRST_STEPS.formatted(events, filters.sql());
    }

    static String routedStepsOf(String relation) {
        return ROUTED_STEPS.formatted(relation);
    }

    static String nextStepsOf(String relation) {
        return NEXT_STEPS.formatted(relation);
    }

}
