-- The workflow engine's event log (src/workflow/, docs/architecture.md "Workflow"): one row
-- per step of any declared lifecycle, written in the same transaction as the record's new
-- state. The records keep their state and version in their own tables; `kind` names the
-- flow, `record_id` the row in that flow's table. `attachments` is a JSON list of
-- {"name","href"}, `data` a JSON object of what the domain recorded with the step.
CREATE TABLE workflow_events (
    id {{ID}},
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state TEXT NOT NULL,
    actor_id BIGINT,
    note TEXT NOT NULL DEFAULT '',
    attachments TEXT NOT NULL DEFAULT '[]',
    data TEXT NOT NULL DEFAULT '{}',
    at BIGINT NOT NULL
);
CREATE INDEX workflow_events_record ON workflow_events (kind, record_id, id);

-- Membership applications had no history: each gets its submission and, once decided,
-- the decision as the columns of the application recorded it.
INSERT INTO workflow_events (kind, record_id, action, from_state, to_state, actor_id, note, at)
SELECT 'membership_application', id, 'submit', '', 'pending', user_id, '', created_at
FROM membership_applications ORDER BY id;
INSERT INTO workflow_events (kind, record_id, action, from_state, to_state, actor_id, note, at)
SELECT 'membership_application', id, CASE status WHEN 'approved' THEN 'approve' ELSE 'reject' END,
       'pending', status, reviewer_id, decision_reason, COALESCE(reviewed_at, created_at)
FROM membership_applications WHERE status IN ('approved', 'rejected') ORDER BY id;
