-- The history of TBT comments moves into the workflow engine's event log (0007). The
-- action of each old row follows from the state it led to (the comment flow has one action
-- per target state).
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
