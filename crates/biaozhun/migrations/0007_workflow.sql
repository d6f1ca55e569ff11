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

-- The history of TBT comments moves into the log. A database made before the engine has
-- the table (0020 ran before this file); on a new database this file runs first and 0020
-- no longer creates it, so an empty one stands in for the copy. The action of each old
-- row follows from the state it led to (the comment flow has one action per target).
CREATE TABLE IF NOT EXISTS tbt_comment_history (
    id {{ID}},
    comment_id BIGINT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
INSERT INTO workflow_events (kind, record_id, action, from_state, to_state, actor_id, note, at)
SELECT 'tbt_comment', comment_id,
       CASE WHEN from_state = '' THEN 'create'
            WHEN to_state = 'draft' THEN 'return_to_draft'
            WHEN to_state = 'internal_review' THEN 'send_to_review'
            WHEN to_state = 'submitted' THEN 'submit'
            WHEN to_state = 'reply_received' THEN 'record_reply'
            WHEN to_state = 'escalated' THEN 'escalate'
            ELSE 'close' END,
       from_state, to_state, user_id, note, at
FROM tbt_comment_history ORDER BY id;
DROP TABLE tbt_comment_history;
-- Read-only view under the old name for reports written against it.
CREATE VIEW tbt_comment_history AS
SELECT id, record_id AS comment_id, from_state, to_state, actor_id AS user_id, note, at
FROM workflow_events WHERE kind = 'tbt_comment';
