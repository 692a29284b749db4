package io.flowbatch.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Listings over Spring Batch's own tables that the JobRepository API does not offer
 * (paging and a status filter); everything that changes an execution goes through the
 * JobOperator.
 */
@Repository
class ExecutionQueries {

    static final String FILTER = """
            FROM batch_job_execution e JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
            WHERE i.job_name = :jobName AND (CAST(:status AS text) IS NULL OR e.status = :status)
            """;

    static final String PAGE = """
            SELECT e.job_execution_id, e.job_instance_id, e.status, e.exit_code, e.create_time, e.start_time, e.end_time
            """ + FILTER + " ORDER BY e.job_execution_id DESC LIMIT :limit OFFSET :offset";

    static final String COUNT = "SELECT count(*) " + FILTER;

    private final JdbcClient jdbc;

    ExecutionQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<ExecutionSummary> page(String jobName, String status, int page, int size) {
        return jdbc.sql(PAGE)
            .param("jobName", jobName)
            .param("status", status, java.sql.Types.VARCHAR)
            .param("limit", size)
            .param("offset", (long) page * size)
            .query((rs, row) -> new ExecutionSummary(rs.getLong("job_execution_id"), rs.getLong("job_instance_id"),
                    rs.getString("status"), rs.getString("exit_code"), time(rs, "create_time"), time(rs, "start_time"),
                    time(rs, "end_time")))
            .list();
    }

    long count(String jobName, String status) {
        return jdbc.sql(COUNT)
            .param("jobName", jobName)
            .param("status", status, java.sql.Types.VARCHAR)
            .query(Long.class)
            .single();
    }

    private static LocalDateTime time(ResultSet rs, String column) throws SQLException {
        java.sql.Timestamp timestamp = rs.getTimestamp(column);
        return (timestamp != null) ? timestamp.toLocalDateTime() : null;
    }

    /** One execution in a list. */
    record ExecutionSummary(long id, long jobInstanceId, String status, String exitCode, LocalDateTime createTime,
            LocalDateTime startTime, LocalDateTime endTime) {
    }

}
