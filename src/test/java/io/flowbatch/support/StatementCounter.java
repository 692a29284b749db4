package io.flowbatch.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import net.ttddyy.dsproxy.ExecutionInfo;
import net.ttddyy.dsproxy.QueryInfo;
import net.ttddyy.dsproxy.listener.QueryExecutionListener;
import net.ttddyy.dsproxy.support.ProxyDataSourceBuilder;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;

/**
 * Counts the SQL statements the test thread sends to PostgreSQL, by wrapping the
 * application's DataSource with datasource-proxy. A JDBC batch counts once: it is one
 * round trip.
 */
@TestConfiguration(proxyBeanMethods = false)
public class StatementCounter implements BeanPostProcessor {

    private static final List<Statement> statements = Collections.synchronizedList(new ArrayList<>());

    private static final LongAdder executed = new LongAdder();

    /**
     * Off for the benchmark's long runs: it only needs {@link #executed()}, not each
     * statement's text.
     */
    private static volatile boolean keepText = true;

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof DataSource dataSource && !(bean instanceof net.ttddyy.dsproxy.support.ProxyDataSource)) {
            return ProxyDataSourceBuilder.create(dataSource).name("counted").listener(new Listener()).build();
        }
        return bean;
    }

    /** Forgets every statement sent so far. */
    public static void reset() {
        statements.clear();
        executed.reset();
    }

    /** How many statements every thread sent since {@link #reset()}. */
    public static long executed() {
        return executed.sum();
    }

    /**
     * Whether to keep each statement's text for {@link #statements()}, or only count
     * them.
     */
    public static void keepText(boolean keep) {
        keepText = keep;
    }

    /**
     * The statements the current thread sent since {@link #reset()}, first line of each.
     */
    public static List<String> statements() {
        String thread = Thread.currentThread().getName();
        return onThreads(thread::equals);
    }

    /**
     * The statements sent since {@link #reset()} by threads whose name passes the test.
     */
    public static List<String> onThreads(java.util.function.Predicate<String> threadName) {
        synchronized (statements) {
            return statements.stream().filter((s) -> threadName.test(s.thread())).map(Statement::sql).toList();
        }
    }

    private record Statement(String thread, String sql) {
    }

    private static final class Listener implements QueryExecutionListener {

        @Override
        public void beforeQuery(ExecutionInfo execution, List<QueryInfo> queries) {
        }

        @Override
        public void afterQuery(ExecutionInfo execution, List<QueryInfo> queries) {
            executed.increment();
            if (!keepText) {
                return;
            }
            String sql = queries.isEmpty() ? "" : queries.get(0).getQuery().strip();
            statements.add(new Statement(Thread.currentThread().getName(), sql.lines().findFirst().orElse(sql)));
        }

    }

}
