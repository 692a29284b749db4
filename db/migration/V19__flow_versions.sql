-- Flow versions (README, "Editing a flow"): every PUT publishes a new version. A step keeps its
-- action row (and its evaluations) while its id stays in the flow; a step an edit removes keeps
-- its row for the history of its evaluations, marked with the version that removed it.
ALTER TABLE flow ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE action ADD COLUMN removed_in_version integer;

-- Each version as the API took it; flows created before versions were kept have none for 1.
CREATE TABLE flow_version (
    flow_id    bigint      NOT NULL REFERENCES flow (id),
    version    integer     NOT NULL,
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (flow_id, version)
);
