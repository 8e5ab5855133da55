-- What one person did, by kind and time: a leader's record (实绩档案) counts the events they
-- supervised; an auditor reads who did what.
CREATE INDEX actions_actor ON actions (actor, action, at);
