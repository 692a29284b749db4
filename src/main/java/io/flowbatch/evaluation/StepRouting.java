package io.flowbatch.evaluation;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.flowbatch.condition.CompiledConditions;
import io.flowbatch.condition.ConditionSql;
import io.flowbatch.system.LocalTimeProperties;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import static io.flowbatch.evaluation.EvaluationState.DONE;
import static io.flowbatch.evaluation.EvaluationState.SKIPPED;
import static io.flowbatch.evaluation.EvaluationState.WAITING;

/**
 * The steps that send nothing (a delay, a split, a random split), done in bulk: one
 * statement per page of due evaluations moves them on (DONE, with the branch as the
 * reason) and creates each one's next step, so a page is decided, routed and continued in
 * one round trip and one transaction of its own. A split's condition is compiled into the
 * statement; its values are parameters.
 */
@Repository
public class StepRouting {

    /**
     * One page of a step's due evaluations, routed. {@code %1$s} is a split's condition
     * (true for the other steps), read once per row over the evaluation {@code e}, its
     * customer {@code c} and event {@code ev}. A split goes on to yes or no, a random
     * split to the branch of the customer's bucket, a delay to its next step. A customer
     * who no longer exists is SKIPPED and goes nowhere.
     */
    @Transition(from = WAITING, to = { DONE, SKIPPED })
    static final String ROUTE_PAGE = """
            WITH due AS (%2$s), matched AS (
                SELECT e.id, e.customer_id, e.event_id, e.flow_started_at, c.id IS NOT NULL AS found,
                       a.next_action_id, a.no_action_id, b.next_action_id AS branch_next, b.position AS branch,
                       %1$s AS yes
                FROM evaluation e
                JOIN action a ON a.id = e.action_id
                LEFT JOIN customer c ON c.id = e.customer_id
                LEFT JOIN event ev ON ev.id = e.event_id
                LEFT JOIN action_branch b ON b.action_id = a.id
                     AND random_split_bucket(e.customer_id, a.step_key) >= b.from_bucket
                     AND random_split_bucket(e.customer_id, a.step_key) < b.to_bucket
                WHERE e.id = ANY (ARRAY(SELECT id FROM due))
            ), page AS (
                SELECT m.*,
                       CASE :type WHEN 'SPLIT' THEN CASE WHEN m.yes THEN m.next_action_id ELSE m.no_action_id END
                                  WHEN 'RANDOM' THEN m.branch_next
                                  ELSE m.next_action_id END AS next,
                       CASE :type WHEN 'SPLIT' THEN CASE WHEN m.yes THEN 'split: yes' ELSE 'split: no' END
                                  WHEN 'RANDOM' THEN 'random: branch ' || m.branch
                                  ELSE 'delay ended' END AS reason
                FROM matched m
            ), routed AS (
                UPDATE evaluation e SET state = CASE WHEN p.found THEN 'DONE' ELSE 'SKIPPED' END,
                    reason = CASE WHEN p.found THEN p.reason
                                  ELSE 'customer ' || p.customer_id || ' no longer exists' END,
                    claimed_by = NULL, updated_at = now()
                FROM page p
                WHERE e.id = p.id AND e.state = 'WAITING'
                RETURNING e.id, p.found, CASE WHEN p.found THEN p.next END AS next_action_id, e.customer_id,
                          e.event_id, e.flow_started_at
            ), continued AS (%3$s
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM routed) AS routed, (SELECT count(*) FROM routed WHERE NOT found) AS skipped,
                   (SELECT count(*) FROM continued) AS continued
            """;

    /** The rows a split's condition reads, as {@link #ROUTE_PAGE} names them. */
    static final ConditionSql.Scope SPLIT_SCOPE = new ConditionSql.Scope("c", "ev", "e.flow_started_at", ":now",
            "split_");

    private final JdbcClient jdbc;

    private final CompiledConditions conditions;

    private final String defaultZone;

    private final Map<String, String> statements = new ConcurrentHashMap<>();

    private final TransactionTemplate ownTransaction;

    StepRouting(JdbcClient jdbc, CompiledConditions conditions, LocalTimeProperties localTime,
            PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        // Each page commits on its own, as the buffer step's pages do: a run that routes
        // a
        // million customers holds no lock for longer than a page.
        this.ownTransaction = new TransactionTemplate(transactionManager);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.conditions = conditions;
        this.defaultZone = localTime.defaultZoneName();
    }

    /** Routes one page of the step's due evaluations. */
    public Routed routePage(EvaluationStore.DueAction step, Instant now, int pageSize) {
        EvaluationStore.Route route = step.route();
        ConditionSql.Predicate predicate = "SPLIT".equals(route.type())
                ? conditions.predicate(route.condition(), SPLIT_SCOPE) : ConditionSql.Predicate.ALWAYS;
        String sql = statements.computeIfAbsent(predicate.sql(),
                (condition) -> ROUTE_PAGE.formatted(condition, EvaluationStore.DUE_PAGE,
                        FlowSteps.routedStepsOf("(SELECT * FROM routed WHERE next_action_id IS NOT NULL)")));
        return ownTransaction.execute((status) -> jdbc.sql(sql)
            .params(predicate.params())
            .param("actionId", step.id())
            .param("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
            .param("limit", pageSize)
            .param("type", route.type())
            .param("defaultZone", defaultZone)
            .query((rs, row) -> new Routed(rs.getInt("routed"), rs.getInt("skipped"), rs.getInt("continued")))
            .single());
    }

    /**
     * What one page did.
     *
     * @param routed rows moved (DONE or SKIPPED); fewer than the page size: the last page
     * @param skipped of those, customers that no longer exist
     * @param continued next steps created
     */
    public record Routed(int routed, int skipped, int continued) {
    }

}
