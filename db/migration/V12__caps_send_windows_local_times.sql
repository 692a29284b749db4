-- Frequency caps, send windows in the customer's time zone, and delays that end at a local time
-- of day (README, "Delivery controls").

-- What a marketing action does with a customer its frequency cap holds back: SKIP, or DEFER until
-- the cap allows.
ALTER TABLE action ADD COLUMN on_cap text NOT NULL DEFAULT 'SKIP' CHECK (on_cap IN ('SKIP', 'DEFER'));

-- The send window, in the customer's time zone: the ISO days of the week it opens on (1 = Monday),
-- the local time it opens and the one it closes (a close at or before the opening means the next
-- day). An evaluation due outside it waits, still WAITING, for the next opening.
ALTER TABLE action ADD COLUMN send_window_days smallint[];
ALTER TABLE action ADD COLUMN send_window_from time;
ALTER TABLE action ADD COLUMN send_window_to time;
ALTER TABLE action ADD CONSTRAINT action_send_window_complete CHECK (
    (send_window_days IS NULL) = (send_window_from IS NULL) AND (send_window_from IS NULL) = (send_window_to IS NULL));

-- The delay ends at the first time the customer's clock reads this, after the delay.
ALTER TABLE action ADD COLUMN delay_at time;

CREATE OR REPLACE VIEW action_next AS
SELECT a.id AS action_id, n.id AS next_action_id, n.delay AS next_delay, n.delay_at AS next_delay_at
FROM action a
CROSS JOIN LATERAL (
    SELECT x.id, x.delay, x.delay_at FROM action x
    WHERE x.flow_id = a.flow_id AND x.position > a.position
    ORDER BY x.position
    LIMIT 1
) n;

-- The time zones this server knows. A customer's zone is validated by the application (Java's
-- zone rules), which could accept a name this server's zone data lacks: such a customer is
-- treated as in the default zone rather than failing the statement of a whole page.
CREATE TABLE time_zone (name text PRIMARY KEY);
INSERT INTO time_zone SELECT DISTINCT name FROM pg_timezone_names;

CREATE FUNCTION customer_zone(zone text, default_zone text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT COALESCE((SELECT z.name FROM time_zone z WHERE z.name = zone), default_zone)
$$;

-- The instant the clock in `zone` first reads `t` on `day`. PostgreSQL reads a local time the clock
-- shows twice (a fall-back change) as its second reading, and one it skips (spring forward) as the
-- instant after the gap (02:30 as 03:30): the first reading is the same local time at the offset of
-- the day before, when the clock did show it.
CREATE FUNCTION local_instant(day date, t time, zone text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN f.first_reading < s.later AND (f.first_reading AT TIME ZONE zone) = day + t
                THEN f.first_reading ELSE s.later END
    FROM (SELECT (day + t) AT TIME ZONE zone AS later) s
    CROSS JOIN LATERAL (
        SELECT ((day + t) - (((s.later - interval '1 day') AT TIME ZONE zone)
                             - ((s.later - interval '1 day') AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC' AS first_reading
    ) f
$$;

-- The first instant at or after `after` when the clock in `zone` reads `t` (either reading of a
-- time shown twice; a skipped time as the instant after the gap).
CREATE FUNCTION next_local_time(after timestamptz, t time, zone text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    first_day date := (after AT TIME ZONE zone)::date;
    reading timestamptz;
BEGIN
    FOR d IN 0..2 LOOP
        reading := local_instant(first_day + d, t, zone);
        IF reading >= after THEN
            RETURN reading;
        END IF;
        reading := (first_day + d + t) AT TIME ZONE zone;
        IF reading >= after THEN
            RETURN reading;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- `at` itself when it falls inside the send window, else the window's next opening. A window opens
-- on each of `days` (ISO, 1 = Monday) at the first reading of `opens` and closes at the first
-- reading of `closes` (the next day when `closes` is not after `opens`).
CREATE FUNCTION send_window_opening(at timestamptz, zone text, days smallint[], opens time, closes time)
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    today date := (at AT TIME ZONE zone)::date;
    day date;
    opening timestamptz;
    closing timestamptz;
BEGIN
    FOR d IN -1..7 LOOP
        day := today + d;
        CONTINUE WHEN NOT (extract(isodow FROM day)::smallint = ANY (days));
        opening := local_instant(day, opens, zone);
        closing := local_instant(CASE WHEN closes > opens THEN day ELSE day + 1 END, closes, zone);
        IF at < closing THEN
            RETURN greatest(at, opening);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- Smart sending and frequency caps share one row per customer: the marketing emails sent (or being
-- sent) recently, oldest first, in parallel arrays, kept only as long and as many as a control can
-- ask for. A chunk reserves its customers with one conditional upsert on these rows, so the row
-- lock orders two chunks reaching the same customer; giving a reservation back removes its entry.
ALTER TABLE marketing_send ADD COLUMN sends_at timestamptz[];
ALTER TABLE marketing_send ADD COLUMN evaluation_ids bigint[];
ALTER TABLE marketing_send ADD COLUMN action_ids bigint[];
UPDATE marketing_send SET sends_at = ARRAY[sent_at], evaluation_ids = ARRAY[evaluation_id], action_ids = ARRAY[action_id];
ALTER TABLE marketing_send ALTER COLUMN sends_at SET NOT NULL;
ALTER TABLE marketing_send ALTER COLUMN evaluation_ids SET NOT NULL;
ALTER TABLE marketing_send ALTER COLUMN action_ids SET NOT NULL;
DROP INDEX marketing_send_evaluation_idx;
ALTER TABLE marketing_send DROP COLUMN sent_at, DROP COLUMN evaluation_id, DROP COLUMN action_id,
    DROP COLUMN previous_sent_at, DROP COLUMN previous_evaluation_id, DROP COLUMN previous_action_id;
