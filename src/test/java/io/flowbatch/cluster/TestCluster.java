package io.flowbatch.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.flowbatch.embedded.SharedServices;
import io.flowbatch.support.ChildApplication;
import io.flowbatch.support.TestSmtpServer;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * Instances of the packaged application as child processes, all on the same PostgreSQL,
 * Redis and (in-process) SMTP server, with remote partitioning and a schedule of a few
 * seconds: the cluster suite's and the cluster benchmark's.
 */
final class TestCluster {

    static final String API_KEY = "cluster-api-key";

    static final String ADMIN_PASSWORD = "cluster-admin-password";

    final SharedServices services = SharedServices.resolve(Path.of("target", "cluster-services"));

    final TestSmtpServer smtp = TestSmtpServer.shared();

    final JdbcClient jdbc = JdbcClient
        .create(new SimpleDriverDataSource(new org.postgresql.Driver(), services.jdbcUrl(), services.username(), ""));

    private final Map<String, ChildApplication> nodes = new LinkedHashMap<>();

    private final Path jar = Path.of(System.getProperty("flowbatch.jar", "target/flowbatch.jar"));

    private final Path logs;

    private final Map<String, String> extraSettings;

    private int starts;

    TestCluster(Path logs, Map<String, String> extraSettings) {
        if (!jar.toFile().exists()) {
            throw new IllegalStateException(
                    jar + " is missing: the cluster suites run the packaged jar (./mvnw verify)");
        }
        this.logs = logs;
        this.extraSettings = extraSettings;
    }

    /** An SMTP server that only counts, and Redis without flowbatch's keys. */
    void reset() {
        smtp.reset();
        smtp.countOnly();
        services.deleteFlowbatchKeys();
    }

    ChildApplication node(String name) {
        return nodes.get(name);
    }

    /** The last job execution id so far: what a suite's own runs come after. */
    long lastExecutionId() {
        return jdbc.sql("SELECT coalesce(max(job_execution_id), 0) FROM batch_job_execution")
            .query(Long.class)
            .single();
    }

    void start(String name, String roles) throws Exception {
        nodes.put(name, ChildApplication.start(jar, settings(name, roles), log(name), Duration.ofMinutes(2)));
    }

    /** Starts nodes at once: on two cores, one after the other would double the wait. */
    void startTogether(Map<String, String> rolesByName) throws Exception {
        Map<String, ChildApplication> started = new ConcurrentHashMap<>();
        List<Exception> failures = new CopyOnWriteArrayList<>();
        List<Thread> starting = new ArrayList<>();
        rolesByName.forEach((name, roles) -> starting.add(new Thread(() -> {
            try {
                started.put(name, ChildApplication.start(jar, settings(name, roles), log(name), Duration.ofMinutes(2)));
            }
            catch (Exception ex) {
                failures.add(ex);
            }
        })));
        starting.forEach(Thread::start);
        for (Thread thread : starting) {
            thread.join();
        }
        nodes.putAll(started);
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    /** CPU time all running nodes have used so far. */
    Duration cpuOfNodes() {
        return nodes.values().stream().map(ChildApplication::cpu).reduce(Duration.ZERO, Duration::plus);
    }

    /** SIGKILL. */
    void kill(String name) throws InterruptedException {
        ChildApplication node = nodes.remove(name);
        if (node != null) {
            node.kill();
        }
    }

    /** SIGTERM: the node drains and exits. */
    void terminate(String name) throws InterruptedException {
        ChildApplication node = nodes.remove(name);
        if (node != null) {
            node.terminate(Duration.ofMinutes(3));
        }
    }

    void killAll() throws InterruptedException {
        for (String name : List.copyOf(nodes.keySet())) {
            kill(name);
        }
    }

    private synchronized Path log(String name) {
        return logs.resolve(name + "-" + (starts++) + ".log");
    }

    private Map<String, String> settings(String name, String roles) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.datasource.url", services.jdbcUrl());
        settings.put("spring.datasource.username", services.username());
        settings.put("spring.datasource.hikari.maximum-pool-size", "14");
        settings.put("spring.data.redis.url", services.redisUrl());
        settings.put("spring.mail.host", "127.0.0.1");
        settings.put("spring.mail.port", Integer.toString(smtp.port()));
        settings.put("flowbatch.embedded.enabled", "false");
        settings.put("flowbatch.demo.enabled", "false");
        settings.put("flowbatch.security.api-key", API_KEY);
        settings.put("flowbatch.security.admin-password", ADMIN_PASSWORD);
        // Every few seconds instead of every minute, so runs follow each other within the
        // test.
        settings.put("flowbatch.schedule.cron", "0/3 * * * * ?");
        settings.put("flowbatch.execution.partitioning", "remote");
        settings.put("flowbatch.execution.partition-poll-interval", "PT0.5S");
        settings.put("flowbatch.node.name", name);
        settings.put("flowbatch.node.roles", roles);
        // A killed node's claims come back a lease (and, SENDING, the grace) after its
        // last renewal.
        settings.put("flowbatch.execution.claim-lease", "PT6S");
        settings.put("spring.mail.properties.mail.smtp.timeout", "3000");
        settings.put("spring.mail.properties.mail.smtp.writetimeout", "3000");
        settings.put("flowbatch.execution.send-grace", "PT7S");
        settings.putAll(extraSettings);
        return settings;
    }

}
