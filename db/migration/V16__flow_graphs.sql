-- Flows as graphs of steps (README, "Flows"). Every step is an action row: an email step as
-- before, a webhook step that the job's partitions execute as they do email, and steps that send
-- nothing (a delay, a split, a random split) that the minute job routes in bulk. An evaluation points at the step it waits at; its due time carries that step's
-- delay, as an email action's always has.

-- Conditions are kept as the JSON the API took; the application compiles each into a
-- parameterized SQL predicate once and never puts a value of it into SQL text.
ALTER TABLE flow ADD COLUMN trigger_filter jsonb;
ALTER TABLE flow ADD COLUMN profile_filter jsonb;

ALTER TABLE action ADD COLUMN step_key text;
ALTER TABLE action ADD COLUMN type text NOT NULL DEFAULT 'EMAIL'
    CHECK (type IN ('EMAIL', 'WEBHOOK', 'DELAY', 'SPLIT', 'RANDOM'));
-- Where the flow goes after this step (a split's "yes"); NULL: the path ends here.
ALTER TABLE action ADD COLUMN next_action_id bigint REFERENCES action (id);
-- A split's "no".
ALTER TABLE action ADD COLUMN no_action_id bigint REFERENCES action (id);
-- A split's condition.
ALTER TABLE action ADD COLUMN condition jsonb;
-- A webhook step's URL, its body (a template, like an email's), and whether the endpoint takes
-- a whole chunk in one request.
ALTER TABLE action ADD COLUMN webhook_url text;
ALTER TABLE action ADD COLUMN webhook_body text;
ALTER TABLE action ADD COLUMN webhook_batch boolean NOT NULL DEFAULT false;
-- Only an email step has a template.
ALTER TABLE action ALTER COLUMN template_id DROP NOT NULL;

-- The linear flows of before: step ids by position, each action followed by the next.
UPDATE action a SET step_key = 'action-' || a.position,
    next_action_id = (SELECT x.id FROM action x WHERE x.flow_id = a.flow_id AND x.position > a.position
                      ORDER BY x.position LIMIT 1);
ALTER TABLE action ALTER COLUMN step_key SET NOT NULL;
ALTER TABLE action ADD CONSTRAINT action_flow_step_key_key UNIQUE (flow_id, step_key);
ALTER TABLE action ADD CONSTRAINT action_template_check CHECK ((type = 'EMAIL') = (template_id IS NOT NULL));
ALTER TABLE action ADD CONSTRAINT action_split_check CHECK ((type = 'SPLIT') = (condition IS NOT NULL));
ALTER TABLE action ADD CONSTRAINT action_webhook_check
    CHECK ((type = 'WEBHOOK') = (webhook_url IS NOT NULL AND webhook_body IS NOT NULL));

-- A random split's branches: a customer whose bucket (0..99, from a hash of the customer and the
-- step) is in [from_bucket, to_bucket) goes to next_action_id (NULL: the path ends).
CREATE TABLE action_branch (
    action_id      bigint  NOT NULL REFERENCES action (id),
    position       integer NOT NULL,
    from_bucket    integer NOT NULL CHECK (from_bucket >= 0),
    to_bucket      integer NOT NULL CHECK (to_bucket > from_bucket AND to_bucket <= 100),
    next_action_id bigint REFERENCES action (id),
    PRIMARY KEY (action_id, position)
);

CREATE OR REPLACE VIEW action_next AS
SELECT a.id AS action_id, n.id AS next_action_id, n.delay AS next_delay, n.delay_at AS next_delay_at
FROM action a JOIN action n ON n.id = a.next_action_id;

-- A step that sends nothing and did its work: a delay that ended, a customer routed on.
ALTER TABLE evaluation DROP CONSTRAINT evaluation_state_check;
ALTER TABLE evaluation ADD CONSTRAINT evaluation_state_check
    CHECK (state IN ('WAITING', 'BUFFERED', 'PROCESSING', 'SENDING', 'SENT', 'BOUNCED', 'COMPLAINED',
                     'SKIPPED', 'FAILED', 'IN_DOUBT', 'CANCELLED', 'DONE'));

-- The condition language's readings of a JSON value, NULL where the value is not one:
-- a number (a JSON number, or a string that spells one) ...
CREATE FUNCTION condition_number(value jsonb) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE jsonb_typeof(value)
        WHEN 'number' THEN (value #>> '{}')::numeric
        WHEN 'string' THEN CASE WHEN (value #>> '{}') ~ '^[ ]*-?[0-9]{1,30}([.][0-9]{1,30})?[ ]*$'
                                THEN (value #>> '{}')::numeric END
    END
$$;

-- ... and an instant (an ISO date or date-time string; a number is seconds since the epoch). A
-- string that looks like a date but is none (February 30th) reads as NULL, not as an error
-- that would fail the statement of a whole chunk.
CREATE FUNCTION condition_instant(value jsonb) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF jsonb_typeof(value) = 'number' THEN
        IF abs((value #>> '{}')::numeric) > 1e11 THEN
            RETURN NULL;
        END IF;
        RETURN to_timestamp((value #>> '{}')::double precision);
    END IF;
    IF jsonb_typeof(value) = 'string'
       AND (value #>> '{}') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$' THEN
        BEGIN
            RETURN (value #>> '{}')::timestamptz;
        -- Any value the pattern lets through that is still no instant (February 30th, an
        -- offset of +16 hours): the whole class of data errors.
        EXCEPTION WHEN data_exception THEN
            RETURN NULL;
        END;
    END IF;
    RETURN NULL;
END
$$;

-- A customer's bucket for a random split: the same customer at the same step always lands in
-- the same branch, and different steps split independently.
CREATE FUNCTION random_split_bucket(customer_id bigint, step_key text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (('x' || substr(md5(customer_id::text || ':' || step_key), 1, 8))::bit(32)::bigint % 100)::integer
$$;
