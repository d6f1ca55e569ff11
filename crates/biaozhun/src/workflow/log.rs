//! Taking a step: the checks against the table, the move of the record in its own table,
//! the event row and the notices, all in the caller's transaction; and reading the log.

use super::flow::{Actor, Flow, Move, START};
use crate::App;
use crate::db::{Db, Tx};
use crate::web::{AppError, AppResult, Lang, i18n};
use serde::{Deserialize, Serialize};

/// Longest note a step may carry, in characters.
pub const NOTE_MAX: usize = 2000;
/// Most attachments a step may carry.
pub const ATTACHMENTS_MAX: usize = 20;

/// A file that goes with a step: its name and the site path that serves it (the domain
/// stores the file and checks who may read it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub href: String,
}

/// One step taken on one record, as the log keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub record_id: i64,
    pub action: String,
    /// Empty for the step that created the record.
    pub from_state: String,
    pub to_state: String,
    /// None when the platform took the step.
    pub actor_id: Option<i64>,
    pub note: String,
    pub attachments: Vec<Attachment>,
    /// What the domain recorded with the step (a member number, a score).
    pub data: serde_json::Value,
    pub at: i64,
}

/// An event for a page: with the actor's name and the label keys of its flow.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    #[serde(flatten)]
    pub event: Event,
    /// Display name (or user name) of the actor; None for the platform.
    pub actor: Option<String>,
    pub action_key: String,
    /// Empty for the step that created the record.
    pub from_key: String,
    pub to_key: String,
}

enum Target<'a> {
    Action(&'a str),
    State(&'a str),
}

/// What the caller asks for: an action (or the state to move to) with its note,
/// attachments and data.
pub struct Step<'a> {
    target: Target<'a>,
    note: &'a str,
    note_field: &'static str,
    attachments: Vec<Attachment>,
    data: serde_json::Value,
}

impl<'a> Step<'a> {
    pub fn action(action: &'a str) -> Step<'a> {
        Step { target: Target::Action(action), note: "", note_field: "note", attachments: Vec::new(), data: serde_json::json!({}) }
    }

    /// The move from the record's current state to `state`, whichever action that is
    /// (for forms that name the next state).
    pub fn towards(state: &'a str) -> Step<'a> {
        Step { target: Target::State(state), ..Step::action("") }
    }

    pub fn note(mut self, note: &'a str) -> Step<'a> {
        self.note = note;
        self
    }

    /// The form or JSON field the note came from, named in its errors (default `note`).
    pub fn note_field(mut self, field: &'static str) -> Step<'a> {
        self.note_field = field;
        self
    }

    pub fn attach(mut self, attachment: Attachment) -> Step<'a> {
        self.attachments.push(attachment);
        self
    }

    pub fn data(mut self, data: serde_json::Value) -> Step<'a> {
        self.data = data;
        self
    }

    /// 422 for an action or state the flow does not know at all.
    fn known(&self, flow: &Flow, lang: Lang) -> AppResult<()> {
        match self.target {
            Target::Action(a) if !flow.has_action(a) => Err(AppError::invalid("action", flow.message(lang, "err_action", &[("action", a)]))),
            Target::State(s) if !flow.states().contains(&s) => Err(AppError::invalid("to", flow.message(lang, "err_state", &[("state", s)]))),
            _ => Ok(()),
        }
    }

    fn resolve(&self, flow: &Flow, from: &str) -> Option<&'static Move> {
        match self.target {
            Target::Action(a) => flow.find(from, a),
            Target::State(s) => flow.towards(from, s),
        }
    }

    /// 409: the table has no such move from the record's state.
    fn not_allowed(&self, flow: &Flow, state: &str, lang: Lang) -> AppError {
        let state_label = i18n::t(lang, &flow.state_key(state));
        AppError::Conflict(match self.target {
            Target::Action(a) => flow.message(lang, "err_not_allowed", &[("action", &i18n::t(lang, &flow.action_key(a))), ("state", &state_label)]),
            Target::State(s) => flow.message(lang, "err_not_towards", &[("from", &state_label), ("to", &i18n::t(lang, &flow.state_key(s)))]),
        })
    }

    /// The note and attachments, checked against what the move needs (422 naming the field).
    fn checked(self, flow: &Flow, mv: &Move, lang: Lang) -> AppResult<Filled> {
        let action = i18n::t(lang, &flow.action_key(mv.action));
        let note = self.note.trim();
        if mv.needs_note && note.is_empty() {
            return Err(AppError::invalid(self.note_field, flow.message(lang, "err_note_required", &[("action", &action)])));
        }
        if note.chars().count() > NOTE_MAX {
            return Err(AppError::invalid(self.note_field, flow.message(lang, "err_note_long", &[("max", &NOTE_MAX.to_string())])));
        }
        if mv.needs_attachment && self.attachments.is_empty() {
            return Err(AppError::invalid("attachments", flow.message(lang, "err_attachment_required", &[("action", &action)])));
        }
        let site_path = |h: &str| h.starts_with('/') && !h.starts_with("//") && !h.contains('\\') && h.len() <= 500;
        let bad = self.attachments.len() > ATTACHMENTS_MAX
            || self.attachments.iter().any(|a| {
                let name = a.name.trim();
                name.is_empty() || name.chars().count() > 200 || !site_path(&a.href) || a.name.chars().chain(a.href.chars()).any(char::is_control)
            });
        if bad {
            return Err(AppError::invalid("attachments", flow.message(lang, "err_attachment", &[("max", &ATTACHMENTS_MAX.to_string())])));
        }
        Ok(Filled { note: note.to_string(), attachments: self.attachments, data: self.data })
    }
}

/// What a checked step writes into its event.
#[derive(Debug)]
struct Filled {
    note: String,
    attachments: Vec<Attachment>,
    data: serde_json::Value,
}

fn stale(flow: &Flow, lang: Lang) -> AppError {
    AppError::Conflict(flow.message(lang, "err_stale", &[]))
}

struct Current {
    state: String,
    version: i64,
    owner: Option<i64>,
}

async fn current(tx: &mut Tx, flow: &Flow, id: i64) -> AppResult<Current> {
    let owner = flow.owner_col().unwrap_or("CAST(NULL AS BIGINT)");
    let sql = format!("SELECT {} AS state, version, {owner} AS owner FROM {} WHERE id = $1", flow.state_col(), flow.table());
    let row: Option<(String, i64, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?;
    let (state, version, owner) = row.ok_or(AppError::NotFound)?;
    Ok(Current { state, version, owner })
}

/// Records the step that created a record: the domain has just inserted it (in `tx`) in
/// the state the creating move leads to. Checks who may create it and what it needs,
/// writes the first event and queues the flow's notices.
pub async fn start(tx: &mut Tx, app: &App, flow: &Flow, id: i64, actor: &Actor, step: Step<'_>) -> AppResult<Event> {
    let lang = actor.lang;
    step.known(flow, lang)?;
    let cur = current(tx, flow, id).await?;
    let mv = step
        .resolve(flow, START)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("workflow {}: the step does not create a record", flow.kind())))?;
    if cur.state != mv.to {
        let e = anyhow::anyhow!("workflow {}: record {id} was created as '{}', the flow starts it as '{}'", flow.kind(), cur.state, mv.to);
        return Err(AppError::Internal(e));
    }
    if !mv.admits(actor, cur.owner) {
        return Err(AppError::Forbidden);
    }
    let filled = step.checked(flow, mv, lang)?;
    record(tx, app, flow, id, mv, actor, filled).await
}

/// Takes a step on an existing record, in the caller's transaction: 404 for no record,
/// 422 for an action the flow does not know, 409 when the table has no such move from the
/// record's state, 403 when the actor may not take it, 409 when `version` is not the
/// record's (someone moved or edited it first), 422 when the note or attachments are
/// missing or too long. Then the record takes the new state and the next version, the
/// event is written and the notices are queued. The caller commits.
pub async fn transition(tx: &mut Tx, app: &App, flow: &Flow, id: i64, version: i64, actor: &Actor, step: Step<'_>) -> AppResult<Event> {
    let lang = actor.lang;
    step.known(flow, lang)?;
    let cur = current(tx, flow, id).await?;
    let mv = match step.resolve(flow, &cur.state) {
        Some(mv) if cur.state != START => mv,
        _ => return Err(step.not_allowed(flow, &cur.state, lang)),
    };
    if !mv.admits(actor, cur.owner) {
        return Err(AppError::Forbidden);
    }
    if cur.version != version {
        return Err(stale(flow, lang));
    }
    let filled = step.checked(flow, mv, lang)?;
    // The state and version in the WHERE clause make the move exactly once: a concurrent
    // step that committed first leaves this statement nothing to update.
    let touch = flow.touch_col().map(|c| format!(", {c} = $5")).unwrap_or_default();
    let sql = format!(
        "UPDATE {t} SET {s} = $1, version = version + 1{touch} WHERE id = $2 AND version = $3 AND {s} = $4",
        t = flow.table(),
        s = flow.state_col()
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(mv.to).bind(id).bind(version).bind(mv.from);
    if flow.touch_col().is_some() {
        q = q.bind(crate::util::now());
    }
    if q.execute(&mut **tx).await?.rows_affected() == 0 {
        return Err(stale(flow, lang));
    }
    record(tx, app, flow, id, mv, actor, filled).await
}

async fn record(tx: &mut Tx, app: &App, flow: &Flow, id: i64, mv: &Move, actor: &Actor, filled: Filled) -> AppResult<Event> {
    let Filled { note, attachments, data } = filled;
    let at = crate::util::now();
    let files = serde_json::to_string(&attachments).map_err(|e| AppError::Internal(e.into()))?;
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO workflow_events (kind, record_id, action, from_state, to_state, actor_id, note, attachments, data, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
    )
    .bind(flow.kind())
    .bind(id)
    .bind(mv.action)
    .bind(mv.from)
    .bind(mv.to)
    .bind(actor.user_id())
    .bind(&note)
    .bind(files)
    .bind(data.to_string())
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    let event = Event {
        id: event_id,
        kind: flow.kind().to_string(),
        record_id: id,
        action: mv.action.to_string(),
        from_state: mv.from.to_string(),
        to_state: mv.to.to_string(),
        actor_id: actor.user_id(),
        note,
        attachments,
        data,
        at,
    };
    if let Some(hook) = flow.hook() {
        hook(tx, app, &event).await?;
    }
    Ok(event)
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    record_id: i64,
    action: String,
    from_state: String,
    to_state: String,
    actor_id: Option<i64>,
    note: String,
    attachments: String,
    data: String,
    at: i64,
    username: Option<String>,
    display_name: Option<String>,
}

/// The record's events, oldest first, ready for the timeline macro.
pub async fn history(db: &Db, flow: &Flow, id: i64) -> AppResult<Vec<EventView>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.id, e.kind, e.record_id, e.action, e.from_state, e.to_state, e.actor_id, e.note, e.attachments, e.data, e.at, \
         u.username, u.display_name FROM workflow_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.kind = $1 AND e.record_id = $2 ORDER BY e.id",
    )
    .bind(flow.kind())
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let actor = match (r.display_name, r.username) {
                (Some(d), _) if !d.is_empty() => Some(d),
                (_, u) => u,
            };
            EventView {
                action_key: flow.action_key(&r.action),
                from_key: if r.from_state.is_empty() { String::new() } else { flow.state_key(&r.from_state) },
                to_key: flow.state_key(&r.to_state),
                actor,
                event: Event {
                    id: r.id,
                    kind: r.kind,
                    record_id: r.record_id,
                    action: r.action,
                    from_state: r.from_state,
                    to_state: r.to_state,
                    actor_id: r.actor_id,
                    note: r.note,
                    // Written by this module as JSON; an unreadable value shows as none.
                    attachments: serde_json::from_str(&r.attachments).unwrap_or_default(),
                    data: serde_json::from_str(&r.data).unwrap_or_default(),
                    at: r.at,
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::workflow::Who;

    const STAFF: &[Who] = &[Who::Role(Role::Staff)];
    static FLOW: Flow = Flow::new("t", "ts", &[
        Move::new(START, "open", "open", STAFF),
        Move::new("open", "refuse", "refused", STAFF).with_note(),
        Move::new("open", "file", "filed", STAFF).with_attachment(),
        Move::new("open", "close", "closed", STAFF),
    ])
    .labels("t.state_", "t.action_");

    fn field(e: AppError) -> Option<String> {
        match e {
            AppError::Invalid { field, .. } => field,
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn steps_name_known_actions_and_states() {
        assert!(Step::action("close").known(&FLOW, Lang::En).is_ok());
        assert_eq!(field(Step::action("delete").known(&FLOW, Lang::En).unwrap_err()).as_deref(), Some("action"));
        assert_eq!(field(Step::towards("gone").known(&FLOW, Lang::En).unwrap_err()).as_deref(), Some("to"));
        assert_eq!(Step::towards("refused").resolve(&FLOW, "open").map(|m| m.action), Some("refuse"));
        assert!(Step::action("refuse").resolve(&FLOW, "closed").is_none());
        assert!(matches!(Step::action("refuse").not_allowed(&FLOW, "closed", Lang::En), AppError::Conflict(_)));
    }

    #[test]
    fn what_a_move_needs() {
        let refuse = FLOW.find("open", "refuse").unwrap();
        let file = FLOW.find("open", "file").unwrap();
        let close = FLOW.find("open", "close").unwrap();
        assert_eq!(field(Step::action("refuse").note("  ").checked(&FLOW, refuse, Lang::En).unwrap_err()).as_deref(), Some("note"));
        let e = Step::action("refuse").note_field("reason").checked(&FLOW, refuse, Lang::Zh).unwrap_err();
        assert_eq!(field(e).as_deref(), Some("reason"), "the caller's field is named");
        let filled = Step::action("refuse").note(" too late \n").checked(&FLOW, refuse, Lang::En).unwrap();
        assert_eq!(filled.note, "too late");
        let long = "长".repeat(NOTE_MAX + 1);
        assert_eq!(field(Step::action("close").note(&long).checked(&FLOW, close, Lang::En).unwrap_err()).as_deref(), Some("note"));
        assert!(Step::action("close").note(&long[..NOTE_MAX * 3]).checked(&FLOW, close, Lang::En).is_ok(), "exactly the limit");
        assert_eq!(field(Step::action("file").checked(&FLOW, file, Lang::En).unwrap_err()).as_deref(), Some("attachments"));
        let pdf = Attachment { name: "reply.pdf".into(), href: "/files/9".into() };
        let filled = Step::action("file").attach(pdf.clone()).data(serde_json::json!({"n": 1})).checked(&FLOW, file, Lang::En).unwrap();
        assert_eq!((filled.attachments, filled.data), (vec![pdf], serde_json::json!({"n": 1})));
        for href in ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "/a\\b", "/a\nb"] {
            let a = Attachment { name: "x".into(), href: href.into() };
            assert!(Step::action("file").attach(a).checked(&FLOW, file, Lang::En).is_err(), "{href}");
        }
        let unnamed = Attachment { name: " ".into(), href: "/files/1".into() };
        assert!(Step::action("file").attach(unnamed).checked(&FLOW, file, Lang::En).is_err());
    }
}
