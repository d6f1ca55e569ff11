//! The declared table of a lifecycle and the rules evaluated against it (pure: no I/O but
//! the registry's check of the tables at start).

use super::log::Event;
use crate::App;
use crate::auth::Role;
use crate::db::{Db, Tx};
use crate::web::{AppResult, Ctx, Lang};
use futures_util::future::BoxFuture;

/// The state a record is in before it exists: moves from here create it.
pub const START: &str = "";

/// Queues the notices of one step (mail, in-site notifications, jobs) in the step's
/// transaction; the flow declares it, the engine calls it after writing the event.
pub type NoticeHook = for<'a> fn(&'a mut Tx, &'a App, &'a Event) -> BoxFuture<'a, AppResult<()>>;

/// Who may take a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Any signed-in person.
    Anyone,
    /// Holders of the role (administrators hold every role).
    Role(Role),
    /// The person the record belongs to (the flow's owner column).
    Owner,
    /// A role on this one record that the caller has established and handed over with
    /// [`Actor::with_scope`]: an assigned reviewer, the committee's secretary.
    Scope(&'static str),
    /// The platform itself (a job: a deadline passed, a waiting list moved up).
    System,
}

/// The one who takes a step: a signed-in person with their roles and the scoped roles the
/// caller granted for this record, or the platform. Errors are worded in `lang`.
#[derive(Debug, Clone)]
pub struct Actor {
    user_id: Option<i64>,
    roles: Vec<Role>,
    scopes: Vec<&'static str>,
    pub lang: Lang,
}

impl Actor {
    pub fn user(user_id: i64, roles: &[Role], lang: Lang) -> Actor {
        Actor { user_id: Some(user_id), roles: roles.to_vec(), scopes: Vec::new(), lang }
    }

    /// The signed-in person behind a request (401 for a visitor).
    pub fn of(ctx: &Ctx) -> AppResult<Actor> {
        let u = ctx.require_user()?;
        Ok(Actor::user(u.id, &u.roles, ctx.lang))
    }

    pub fn system(lang: Lang) -> Actor {
        Actor { user_id: None, roles: Vec::new(), scopes: Vec::new(), lang }
    }

    /// Grants a scoped role on the record at hand; the caller has checked that it holds.
    pub fn with_scope(mut self, scope: &'static str) -> Actor {
        self.scopes.push(scope);
        self
    }

    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }

    fn holds(&self, role: Role) -> bool {
        self.roles.contains(&role) || self.roles.contains(&Role::Admin)
    }
}

impl Who {
    /// Whether the actor fits this rule on a record owned by `owner`.
    pub fn admits(&self, actor: &Actor, owner: Option<i64>) -> bool {
        let person = actor.user_id.is_some();
        match *self {
            Who::Anyone => person,
            Who::Role(r) => person && actor.holds(r),
            Who::Owner => person && owner.is_some() && actor.user_id == owner,
            Who::Scope(s) => person && actor.scopes.contains(&s),
            Who::System => !person,
        }
    }
}

/// One row of the table: from `from`, `action` leads to `to`, for `who`, with what it needs.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    pub from: &'static str,
    pub action: &'static str,
    pub to: &'static str,
    /// Any one of these may take it.
    pub who: &'static [Who],
    pub needs_note: bool,
    pub needs_attachment: bool,
}

impl Move {
    pub const fn new(from: &'static str, action: &'static str, to: &'static str, who: &'static [Who]) -> Move {
        assert!(from.is_empty() || is_sql_name(from), "workflow: a state is written a-z, 0-9 and _");
        assert!(is_sql_name(action), "workflow: an action is written a-z, 0-9 and _");
        assert!(is_sql_name(to), "workflow: a state is written a-z, 0-9 and _");
        assert!(!who.is_empty(), "workflow: a move needs someone who may take it");
        Move { from, action, to, who, needs_note: false, needs_attachment: false }
    }

    /// The step must carry a note (a reason, an answer).
    pub const fn with_note(mut self) -> Move {
        self.needs_note = true;
        self
    }

    /// The step must carry at least one attachment.
    pub const fn with_attachment(mut self) -> Move {
        self.needs_attachment = true;
        self
    }

    pub fn admits(&self, actor: &Actor, owner: Option<i64>) -> bool {
        self.who.iter().any(|w| w.admits(actor, owner))
    }
}

/// A name that may be written into SQL as it is (a table or column) and into label keys:
/// 1 to 63 characters of `a-z`, `0-9` and `_`, not starting with a digit.
pub const fn is_sql_name(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 63 || b[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(c == b'_' || c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return false;
        }
        i += 1;
    }
    true
}

const fn sql_name(s: &'static str) -> &'static str {
    assert!(is_sql_name(s), "workflow: a table or column name is written a-z, 0-9 and _ (1 to 63 characters)");
    s
}

/// A lifecycle: the records it moves (a table of the domain with an `id`, a state column
/// and a `version` column), its moves, the label keys of its states and actions, and the
/// notices it sends. Built only through the `const` builder, so every name that goes into
/// SQL is checked when the program is compiled.
#[derive(Clone, Copy)]
pub struct Flow {
    kind: &'static str,
    table: &'static str,
    state_column: &'static str,
    owner_column: Option<&'static str>,
    touch_column: Option<&'static str>,
    state_labels: &'static str,
    action_labels: &'static str,
    messages: &'static str,
    moves: &'static [Move],
    notices: Option<NoticeHook>,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow").field("kind", &self.kind).field("table", &self.table).finish_non_exhaustive()
    }
}

impl Flow {
    /// `kind` names the lifecycle in the event log; `table` holds its records.
    pub const fn new(kind: &'static str, table: &'static str, moves: &'static [Move]) -> Flow {
        Flow {
            kind: sql_name(kind),
            table: sql_name(table),
            state_column: "state",
            owner_column: None,
            touch_column: None,
            state_labels: "",
            action_labels: "",
            messages: "",
            moves,
            notices: None,
        }
    }

    /// The column that holds the state (default `state`).
    pub const fn state_column(mut self, column: &'static str) -> Flow {
        self.state_column = sql_name(column);
        self
    }

    /// The column with the id of the user the record belongs to (for [`Who::Owner`]).
    pub const fn owner_column(mut self, column: &'static str) -> Flow {
        self.owner_column = Some(sql_name(column));
        self
    }

    /// A column set to the time of each move (such as `updated_at`).
    pub const fn touch_column(mut self, column: &'static str) -> Flow {
        self.touch_column = Some(sql_name(column));
        self
    }

    /// Prefixes of the i18n keys: a state `s` is labelled `{states}{s}`, an action `a`
    /// `{actions}{a}` (for example `tbt.state_` and `tbt.action_`).
    pub const fn labels(mut self, states: &'static str, actions: &'static str) -> Flow {
        self.state_labels = states;
        self.action_labels = actions;
        self
    }

    /// A prefix of i18n keys that word the engine's refusals for this flow: a key
    /// `{prefix}err_stale` (or `err_not_allowed`, `err_note_required`, …) that exists is
    /// used instead of `workflow.err_stale`.
    pub const fn messages(mut self, prefix: &'static str) -> Flow {
        self.messages = prefix;
        self
    }

    pub const fn notices(mut self, hook: NoticeHook) -> Flow {
        self.notices = Some(hook);
        self
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub fn moves(&self) -> &'static [Move] {
        self.moves
    }

    pub(super) fn table(&self) -> &'static str {
        self.table
    }

    pub(super) fn state_col(&self) -> &'static str {
        self.state_column
    }

    pub(super) fn owner_col(&self) -> Option<&'static str> {
        self.owner_column
    }

    pub(super) fn touch_col(&self) -> Option<&'static str> {
        self.touch_column
    }

    pub(super) fn hook(&self) -> Option<NoticeHook> {
        self.notices
    }

    /// The move `action` from `from`, if the table has one.
    pub fn find(&self, from: &str, action: &str) -> Option<&'static Move> {
        self.moves.iter().find(|m| m.from == from && m.action == action)
    }

    /// The move from `from` that leads to `to` (for forms that name the next state).
    pub fn towards(&self, from: &str, to: &str) -> Option<&'static Move> {
        self.moves.iter().find(|m| m.from == from && m.to == to)
    }

    pub fn has_action(&self, action: &str) -> bool {
        self.moves.iter().any(|m| m.action == action)
    }

    /// Every state, in the order the table first names it.
    pub fn states(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for m in self.moves {
            for s in [m.from, m.to] {
                if s != START && !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// The moves this actor may take from `state` (the buttons a page offers).
    pub fn choices(&self, state: &str, actor: &Actor, owner: Option<i64>) -> Vec<&'static Move> {
        self.moves.iter().filter(|m| m.from == state && m.from != START && m.admits(actor, owner)).collect()
    }

    /// The wording of refusal `name` (`err_stale`, …) in `lang`, with its placeholders filled.
    pub fn message(&self, lang: Lang, name: &str, args: &[(&str, &str)]) -> String {
        let own = format!("{}{name}", self.messages);
        let key = if !self.messages.is_empty() && crate::web::i18n::lookup(lang, &own).is_some() { own } else { format!("workflow.{name}") };
        crate::web::i18n::tf(lang, &key, args)
    }

    pub fn state_key(&self, state: &str) -> String {
        format!("{}{state}", self.state_labels)
    }

    pub fn action_key(&self, action: &str) -> String {
        format!("{}{action}", self.action_labels)
    }

    /// The table's own consistency: a way to create a record, one move per state and
    /// action, no move back to before creation, every state reachable from creation.
    pub fn check(&self) -> Result<(), String> {
        let k = self.kind;
        if !self.moves.iter().any(|m| m.from == START) {
            return Err(format!("flow {k}: no move creates a record (from START)"));
        }
        for (i, m) in self.moves.iter().enumerate() {
            if self.moves[..i].iter().any(|o| o.from == m.from && o.action == m.action) {
                return Err(format!("flow {k}: two moves '{}' from '{}'", m.action, m.from));
            }
        }
        let mut reached: Vec<&str> = vec![START];
        loop {
            let before = reached.len();
            for m in self.moves {
                if reached.contains(&m.from) && !reached.contains(&m.to) {
                    reached.push(m.to);
                }
            }
            if reached.len() == before {
                break;
            }
        }
        if let Some(m) = self.moves.iter().find(|m| !reached.contains(&m.from)) {
            return Err(format!("flow {k}: state '{}' cannot be reached", m.from));
        }
        if self.state_labels.is_empty() || self.action_labels.is_empty() {
            return Err(format!("flow {k}: no label keys"));
        }
        Ok(())
    }
}

/// Every lifecycle of the platform, by kind name, checked when the application starts.
#[derive(Default)]
pub struct Registry {
    flows: Vec<&'static Flow>,
}

impl Registry {
    /// Adds a flow; a table that contradicts itself or a kind taken twice is a programming
    /// error and stops the start.
    pub fn add(&mut self, flow: &'static Flow) -> &mut Registry {
        if let Err(e) = flow.check() {
            panic!("{e}");
        }
        assert!(self.get(flow.kind).is_none(), "two flows are registered as {}", flow.kind);
        self.flows.push(flow);
        self
    }

    pub fn get(&self, kind: &str) -> Option<&'static Flow> {
        self.flows.iter().copied().find(|f| f.kind == kind)
    }

    /// Each flow's table has the columns the engine reads and writes.
    pub async fn verify(&self, db: &Db) -> anyhow::Result<()> {
        for f in &self.flows {
            let mut cols = vec!["id", f.state_column, "version"];
            cols.extend(f.owner_column);
            cols.extend(f.touch_column);
            let sql = format!("SELECT {} FROM {} WHERE 1 = 0", cols.join(", "), f.table);
            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&db.pool).await.map_err(|e| {
                anyhow::anyhow!("workflow {}: table {} lacks a column the flow names ({}): {e}", f.kind, f.table, cols.join(", "))
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAFF: &[Who] = &[Who::Role(Role::Staff)];
    const APPLICANT: &[Who] = &[Who::Owner];
    const REVIEWER: &[Who] = &[Who::Scope("reviewer"), Who::Role(Role::Admin)];
    const CLOCK: &[Who] = &[Who::System];

    static MOVES: [Move; 7] = [
        Move::new(START, "submit", "submitted", APPLICANT),
        Move::new("submitted", "withdraw", "withdrawn", APPLICANT),
        Move::new("submitted", "check", "in_review", STAFF),
        Move::new("submitted", "return", "draft", STAFF).with_note(),
        Move::new("draft", "submit", "submitted", APPLICANT).with_attachment(),
        Move::new("in_review", "score", "decided", REVIEWER).with_note(),
        Move::new("in_review", "expire", "lapsed", CLOCK),
    ];
    static FLOW: Flow = Flow::new("test_application", "test_applications", &MOVES)
        .owner_column("applicant_id")
        .touch_column("updated_at")
        .labels("test.state_", "test.action_");

    fn person(id: i64, roles: &[Role]) -> Actor {
        Actor::user(id, roles, Lang::En)
    }

    #[test]
    fn moves_are_found_by_state_and_action() {
        assert_eq!(FLOW.find("submitted", "check").map(|m| m.to), Some("in_review"));
        assert!(FLOW.find("draft", "check").is_none(), "no such move from draft");
        assert_eq!(FLOW.find("draft", "submit").map(|m| m.needs_attachment), Some(true));
        assert_eq!(FLOW.towards("submitted", "draft").map(|m| m.action), Some("return"));
        assert!(FLOW.towards("draft", "decided").is_none());
        assert_eq!(FLOW.states(), vec!["submitted", "withdrawn", "in_review", "draft", "decided", "lapsed"]);
        assert!(FLOW.has_action("withdraw") && !FLOW.has_action("approve"));
        assert_eq!(FLOW.state_key("draft"), "test.state_draft");
        assert_eq!(FLOW.action_key("score"), "test.action_score");
    }

    #[test]
    fn roles_owner_scope_and_system() {
        let staff = person(1, &[Role::Staff]);
        let admin = person(2, &[Role::Admin]);
        let applicant = person(7, &[]);
        let stranger = person(8, &[Role::Expert]);
        let reviewer = person(9, &[Role::Expert]).with_scope("reviewer");
        let clock = Actor::system(Lang::Zh);
        let check = FLOW.find("submitted", "check").unwrap();
        assert!(check.admits(&staff, Some(7)) && check.admits(&admin, Some(7)), "admins hold every role");
        assert!(!check.admits(&applicant, Some(7)) && !check.admits(&clock, Some(7)));
        let withdraw = FLOW.find("submitted", "withdraw").unwrap();
        assert!(withdraw.admits(&applicant, Some(7)));
        assert!(!withdraw.admits(&stranger, Some(7)) && !withdraw.admits(&staff, Some(7)), "only the owner");
        assert!(!withdraw.admits(&applicant, None), "a record without an owner has none");
        let score = FLOW.find("in_review", "score").unwrap();
        assert!(score.admits(&reviewer, Some(7)) && score.admits(&admin, Some(7)));
        assert!(!score.admits(&stranger, Some(7)), "an expert without the scope on this record");
        let expire = FLOW.find("in_review", "expire").unwrap();
        assert!(expire.admits(&clock, None) && !expire.admits(&admin, None), "only the platform");
        assert!(!Who::Anyone.admits(&clock, None) && Who::Anyone.admits(&stranger, None));
    }

    #[test]
    fn choices_follow_state_and_actor() {
        let staff = person(1, &[Role::Staff]);
        let applicant = person(7, &[]);
        let actions = |state: &str, a: &Actor| FLOW.choices(state, a, Some(7)).iter().map(|m| m.action).collect::<Vec<_>>();
        assert_eq!(actions("submitted", &staff), vec!["check", "return"]);
        assert_eq!(actions("submitted", &applicant), vec!["withdraw"]);
        assert_eq!(actions("draft", &applicant), vec!["submit"]);
        assert!(actions("decided", &staff).is_empty(), "a final state offers nothing");
        assert!(actions(START, &applicant).is_empty(), "creation is not a choice on a record");
    }

    #[test]
    fn a_table_that_contradicts_itself_is_refused() {
        assert_eq!(FLOW.check(), Ok(()));
        static TWICE: [Move; 3] = [
            Move::new(START, "open", "a", STAFF),
            Move::new("a", "go", "b", STAFF),
            Move::new("a", "go", "c", STAFF),
        ];
        let e = Flow::new("twice", "t", &TWICE).labels("x.", "y.").check().unwrap_err();
        assert!(e.contains("two moves 'go' from 'a'"), "{e}");
        static ISLAND: [Move; 2] = [Move::new(START, "open", "a", STAFF), Move::new("b", "go", "c", STAFF)];
        let e = Flow::new("island", "t", &ISLAND).labels("x.", "y.").check().unwrap_err();
        assert!(e.contains("'b' cannot be reached"), "{e}");
        static NO_START: [Move; 1] = [Move::new("a", "go", "b", STAFF)];
        assert!(Flow::new("nostart", "t", &NO_START).labels("x.", "y.").check().unwrap_err().contains("creates"));
        assert!(Flow::new("unlabelled", "t", &ISLAND[..1]).check().unwrap_err().contains("label"));
    }

    #[test]
    fn sql_names_are_plain_identifiers() {
        for ok in ["tbt_comments", "state", "a", "x2", "_private"] {
            assert!(is_sql_name(ok), "{ok}");
        }
        for bad in ["", "2x", "Users", "tbt comments", "t;drop", "a-b", "a.b", "\"q\"", "名字", &"a".repeat(64)] {
            assert!(!is_sql_name(bad), "{bad}");
        }
    }

    #[test]
    #[should_panic(expected = "two flows are registered as test_application")]
    fn a_kind_is_registered_once() {
        let mut r = Registry::default();
        r.add(&FLOW);
        assert_eq!(r.get("test_application").map(|f| f.kind()), Some("test_application"));
        r.add(&FLOW);
    }
}
