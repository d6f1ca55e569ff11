-- Enrolments move on the workflow engine (kind `training_enrolment`): the version guards each
-- step, and every step is in `workflow_events`.
ALTER TABLE training_enrolments ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
