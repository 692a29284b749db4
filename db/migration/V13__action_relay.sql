-- The relay an action's mail leaves through (flowbatch.relays.<name>); NULL: the spring.mail one.
ALTER TABLE action ADD COLUMN relay text;
