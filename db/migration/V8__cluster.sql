-- Running more than one instance (README, "Running more than one instance").

-- Every running instance: its roles and a heartbeat. A node whose heartbeat is older than
-- flowbatch.node.dead-after is dead: the step executions it ran are recovered by the others.
CREATE TABLE node (
    id           text        PRIMARY KEY,
    roles        text[]      NOT NULL,
    host         text        NOT NULL,
    pid          bigint      NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL
);

-- Which node ran each step execution of flowExecution (the manager's steps and every
-- partition). Spring Batch keeps no such column; its execution context is serialised and
-- cannot be queried. Rows go with their step executions when housekeeping purges old runs.
CREATE TABLE step_execution_node (
    step_execution_id bigint      PRIMARY KEY
                                  REFERENCES batch_step_execution (step_execution_id) ON DELETE CASCADE,
    job_execution_id  bigint      NOT NULL,
    node_id           text        NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX step_execution_node_job_idx ON step_execution_node (job_execution_id);

-- Spring Integration's JDBC channel message store (its schema-postgresql.sql, the channel part
-- only): the queue of StepExecutionRequests that remote partitioning sends to workers.
CREATE SEQUENCE int_message_seq START WITH 1 INCREMENT BY 1 NO CYCLE;

CREATE TABLE int_channel_message (
    message_id       char(36)     NOT NULL,
    group_key        char(36)     NOT NULL,
    created_date     bigint       NOT NULL,
    message_priority bigint,
    message_sequence bigint       NOT NULL DEFAULT nextval('int_message_seq'),
    message_content  bytea,
    region           varchar(100) NOT NULL,
    CONSTRAINT int_channel_message_pk PRIMARY KEY (region, group_key, created_date, message_sequence)
);

CREATE INDEX int_channel_msg_delete_idx ON int_channel_message (region, group_key, message_id);

-- Wakes idle workers the moment a request is queued (PostgreSQL LISTEN/NOTIFY), instead of
-- each polling the table. The channel name and payload are the ones Spring Integration's
-- PostgresChannelMessageTableSubscriber listens for.
CREATE FUNCTION int_channel_message_notify_fct() RETURNS trigger AS
$BODY$
BEGIN
    PERFORM pg_notify('int_channel_message_notify', NEW.region || ' ' || NEW.group_key);
    RETURN NEW;
END;
$BODY$ LANGUAGE plpgsql;

CREATE TRIGGER int_channel_message_notify_trg
    AFTER INSERT ON int_channel_message
    FOR EACH ROW EXECUTE PROCEDURE int_channel_message_notify_fct();

-- Every node looks for running step executions of dead nodes each heartbeat: keep that a
-- lookup of the few running rows, not a scan of a day of step executions.
CREATE INDEX batch_step_execution_running_idx ON batch_step_execution (step_execution_id)
    WHERE status IN ('STARTING', 'STARTED', 'STOPPING');
