package io.flowbatch;

import java.util.ArrayList;
import java.util.List;

import io.flowbatch.cluster.NodeIdentity;
import io.flowbatch.embedded.EmbeddedServices;
import io.flowbatch.execution.ExecutionProperties;
import io.flowbatch.system.Credentials;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Says once, in plain words, what is running where and how to log in. Generated
 * credentials appear here and nowhere else.
 */
@Component
class StartupReport {

    private static final Log logger = LogFactory.getLog(StartupReport.class);

    private final Credentials credentials;

    private final Environment environment;

    private final NodeIdentity node;

    private final ExecutionProperties execution;

    StartupReport(Credentials credentials, Environment environment, NodeIdentity node, ExecutionProperties execution) {
        this.credentials = credentials;
        this.environment = environment;
        this.node = node;
        this.execution = execution;
    }

    @EventListener(ApplicationReadyEvent.class)
    void report() {
        String base = "http://localhost:" + environment.getProperty("local.server.port", "8080");
        List<String> lines = new ArrayList<>();
        lines.add("flowbatch is ready.");
        lines.add(
                "  Admin UI:   " + base + "/admin  (user '" + credentials.adminUser() + "', password "
                        + (credentials.adminPasswordGenerated() ? "'" + credentials.adminPassword()
                                + "', generated for this run; set flowbatch.security.admin-password to choose one)"
                                : "from flowbatch.security.admin-password)"));
        lines.add("  API:        " + base + "/api  (header X-Api-Key: "
                + (credentials.apiKeyGenerated()
                        ? credentials.apiKey()
                                + ", generated for this run; set flowbatch.security.api-key to choose one)"
                        : "the value of flowbatch.security.api-key)"));
        lines.add("  PostgreSQL: " + EmbeddedServices.runningPostgres()
            .map((pg) -> "embedded, " + pg.jdbcUrl() + ", data kept in " + pg.dataDirectory().toAbsolutePath()
                    + (pg.durable()
                            ? " (durable: fsync on; one local server, no replica or backup: for a demo or a "
                                    + "trial, not production; set spring.datasource.url for your own PostgreSQL)"
                            : " (wiped at every start, fsync off)"))
            .orElse(environment.getProperty("spring.datasource.url")));
        lines.add("  Redis:      " + EmbeddedServices.runningRedis()
            .map((redis) -> "embedded, " + redis.host() + ":" + redis.port() + " (no persistence, like production)")
            .orElse(redisTarget()));
        lines.add("  SMTP:       " + EmbeddedServices.runningSmtp()
            .map((smtp) -> "embedded sink, " + smtp.host() + ":" + smtp.port() + " (keeps every message it receives)")
            .orElse(environment.getProperty("spring.mail.host", "not configured") + ":"
                    + environment.getProperty("spring.mail.port", "25")));
        lines.add("  Node:       " + node.id() + ", roles " + String.join(", ", new java.util.TreeSet<>(node.roles()))
                + "; partitions run " + (execution.remote() ? "on every worker node (remote partitioning)"
                        : "in this process (local partitioning)"));
        if (environment.getProperty("flowbatch.demo.enabled", Boolean.class, false)) {
            lines.add("  Demo:       flow 'Abandoned checkout' with demo customers and a trickle of events");
        }
        logger.info(String.join(System.lineSeparator(), lines));
    }

    private String redisTarget() {
        String url = environment.getProperty("spring.data.redis.url");
        if (url != null && !url.isBlank()) {
            return url.replaceAll("//[^@/]*@", "//***@");
        }
        return environment.getProperty("spring.data.redis.host", "localhost") + ":"
                + environment.getProperty("spring.data.redis.port", "6379");
    }

}
