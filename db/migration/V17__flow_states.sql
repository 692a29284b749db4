-- A flow's states (README, "Flow states"): PAUSED holds every pending evaluation of the flow and
-- starts none; ARCHIVED has cancelled them all and starts none, for good.
ALTER TABLE flow DROP CONSTRAINT flow_status_check;
ALTER TABLE flow ADD CONSTRAINT flow_status_check CHECK (status IN ('DRAFT', 'LIVE', 'PAUSED', 'ARCHIVED'));
