package io.flowbatch.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import io.flowbatch.delivery.EmailContent;
import io.flowbatch.delivery.MessageFactory;
import io.flowbatch.delivery.RenderedEmail;
import io.flowbatch.delivery.TemplateRef;
import io.flowbatch.delivery.TemplateSandbox;
import io.flowbatch.delivery.TemplateVariables;
import io.flowbatch.delivery.UnsubscribeLinks;
import jakarta.mail.internet.MimeMessage;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.transaction.support.TransactionTemplate;

import static org.awaitility.Awaitility.await;

/**
 * The benchmark's peer: due evaluations executed as one db-scheduler task each, doing the
 * work a Java team would write for it (load, filter, render, send, record), with
 * flowbatch's own template sandbox, message factory and mail sender. Benchmark code only.
 */
final class DbSchedulerPeer {

    /** db-scheduler's PostgreSQL table, from its documentation. */
    static final String CREATE_TASKS_TABLE = """
            CREATE TABLE IF NOT EXISTS scheduled_tasks (
                task_name text NOT NULL, task_instance text NOT NULL, task_data bytea,
                execution_time timestamptz NOT NULL, picked boolean NOT NULL, picked_by text,
                last_success timestamptz, last_failure timestamptz, consecutive_failures int,
                last_heartbeat timestamptz, version bigint NOT NULL, priority smallint,
                PRIMARY KEY (task_name, task_instance));
            CREATE INDEX IF NOT EXISTS execution_time_idx ON scheduled_tasks (execution_time);
            CREATE INDEX IF NOT EXISTS last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
            CREATE INDEX IF NOT EXISTS priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC);
            TRUNCATE scheduled_tasks;
            """;

    static final String WAITING_IDS = "SELECT id FROM evaluation WHERE state = 'WAITING'";

    static final String COUNT_WAITING = "SELECT count(*) FROM evaluation WHERE state = 'WAITING'";

    static final String LOAD = """
            SELECT e.id, e.customer_id, e.flow_started_at, a.status, f.exit_metrics, t.id AS template_id,
                   t.version, t.from_address, t.subject, t.body_html, t.body_text, c.email, c.first_name, c.last_name,
                   c.properties::text AS customer_properties, c.subscription, ev.properties::text AS event_properties
            FROM evaluation e JOIN action a ON a.id = e.action_id JOIN flow f ON f.id = a.flow_id
            JOIN template t ON t.id = a.template_id JOIN customer c ON c.id = e.customer_id
            LEFT JOIN event ev ON ev.id = e.event_id
            WHERE e.id = :id AND e.state = 'WAITING'
            """;

    static final String EXITED = """
            SELECT EXISTS (SELECT 1 FROM event WHERE customer_id = :customerId AND metric = ANY(:metrics::text[])
                           AND occurred_at >= :since)
            """;

    static final String RECORD = """
            UPDATE evaluation SET state = :state, reason = :reason, attempts = attempts + 1, updated_at = now()
            WHERE id = :id AND state = 'WAITING'
            """;

    static final String LOG = """
            INSERT INTO delivery_log (evaluation_id, message_id, recipient, sent_at) VALUES (:id, :messageId, :recipient, now())
            """;

    private static final TypeReference<Map<String, Object>> PROPERTIES = new TypeReference<>() {
    };

    private final DataSource dataSource;

    private final JdbcClient jdbc;

    private final TransactionTemplate transactions;

    private final TemplateSandbox templates;

    private final MessageFactory messages;

    private final UnsubscribeLinks links;

    private final JavaMailSenderImpl mail;

    private final JsonMapper json;

    DbSchedulerPeer(ApplicationContext context) {
        this.dataSource = context.getBean(DataSource.class);
        this.jdbc = context.getBean(JdbcClient.class);
        this.transactions = context.getBean(TransactionTemplate.class);
        this.templates = context.getBean(TemplateSandbox.class);
        this.messages = context.getBean(MessageFactory.class);
        this.links = context.getBean(UnsubscribeLinks.class);
        this.mail = context.getBean(JavaMailSenderImpl.class);
        this.json = context.getBean(JsonMapper.class);
    }

    /**
     * Schedules a task for every WAITING evaluation, runs them all, returns the seconds
     * it took.
     */
    double run(int threads) {
        jdbc.sql(CREATE_TASKS_TABLE).update();
        List<Long> ids = jdbc.sql(WAITING_IDS).query(Long.class).list();
        OneTimeTask<Long> task = Tasks.oneTime("send-evaluation", Long.class)
            .execute((instance, context) -> execute(instance.getData()));
        Scheduler scheduler = Scheduler.create(dataSource, task)
            .threads(threads)
            .pollingInterval(Duration.ofMillis(100))
            .pollUsingLockAndFetch(0.5, 1.0)
            .build();
        List<TaskInstance<?>> instances = new ArrayList<>();
        ids.forEach((id) -> instances.add(task.instance(id.toString(), id)));
        scheduler.scheduleBatch(instances, Instant.now());
        long start = System.nanoTime();
        scheduler.start();
        try {
            await().atMost(Duration.ofMinutes(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> jdbc.sql(COUNT_WAITING).query(Long.class).single() == 0);
        }
        finally {
            scheduler.stop();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** What one task does: load, filter, render, send, record, for one evaluation. */
    private void execute(long evaluationId) {
        Map<String, Object> row = jdbc.sql(LOAD)
            .param("id", evaluationId)
            .query()
            .listOfRows()
            .stream()
            .findFirst()
            .orElse(null);
        if (row == null || !"LIVE".equals(row.get("status"))) {
            return;
        }
        long customerId = ((Number) row.get("customer_id")).longValue();
        String[] exitMetrics = metrics(row.get("exit_metrics"));
        boolean exited = jdbc.sql(EXITED)
            .param("customerId", customerId)
            .param("metrics", exitMetrics)
            .param("since", row.get("flow_started_at"))
            .query(Boolean.class)
            .single();
        if (exited) {
            jdbc.sql(RECORD)
                .param("id", evaluationId)
                .param("state", "SKIPPED")
                .param("reason", "flow filter")
                .update();
            return;
        }
        try {
            String unsubscribe = links.url(customerId);
            RenderedEmail rendered = templates.render(
                    new TemplateRef(((Number) row.get("template_id")).longValue(),
                            ((Number) row.get("version")).intValue()),
                    new EmailContent((String) row.get("from_address"), (String) row.get("subject"),
                            (String) row.get("body_html"), (String) row.get("body_text")),
                    TemplateVariables.of((String) row.get("email"), (String) row.get("first_name"),
                            (String) row.get("last_name"), properties(row.get("customer_properties")),
                            properties(row.get("event_properties")), unsubscribe));
            // As a Java team would write it: Spring's helper over Jakarta Mail.
            MimeMessage message = mail.createMimeMessage();
            MimeMessageHelper helper = new MimeMessageHelper(message, rendered.text() != null, "UTF-8");
            helper.setFrom((String) row.get("from_address"));
            helper.setTo((String) row.get("email"));
            helper.setSubject(rendered.subject());
            if (rendered.text() != null) {
                helper.setText(rendered.text(), rendered.html());
            }
            else {
                helper.setText(rendered.html(), true);
            }
            message.setHeader("Message-ID", messages.messageId(evaluationId));
            message.setHeader("List-Unsubscribe", "<" + unsubscribe + ">");
            mail.send(message);
            transactions.executeWithoutResult((status) -> {
                jdbc.sql(RECORD).param("id", evaluationId).param("state", "SENT").param("reason", null).update();
                jdbc.sql(LOG)
                    .param("id", evaluationId)
                    .param("messageId", messages.messageId(evaluationId))
                    .param("recipient", row.get("email"))
                    .update();
            });
        }
        catch (Exception ex) {
            jdbc.sql(RECORD)
                .param("id", evaluationId)
                .param("state", "FAILED")
                .param("reason", ex.getMessage())
                .update();
        }
    }

    private Map<String, Object> properties(Object text) {
        return (text == null) ? Map.of() : json.readValue((String) text, PROPERTIES);
    }

    private static String[] metrics(Object array) {
        try {
            return (array == null) ? new String[0] : (String[]) ((java.sql.Array) array).getArray();
        }
        catch (java.sql.SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

}
