//! Who may do what to examinations, beyond the route's rule: staff and the teachers of an
//! exam's session mark it and see its statistics; staff and anyone teaching a session edit
//! the question banks; an attempt is its candidate's (staff and the session's teachers read it).

use crate::App;
use crate::auth::scopes::{self, ScopedRole};
use crate::auth::{CurrentUser, Role};
use crate::web::{AppError, Policy};
use futures_util::future::BoxFuture;

/// Acts on an exam (the record is the exam's id).
pub enum ExamAct {
    /// Mark short answers, see every attempt and the statistics: staff and the teachers of
    /// the exam's session.
    Teach,
}

impl Policy for ExamAct {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let session: Option<i64> = sqlx::query_scalar("SELECT session_id FROM exams WHERE id = $1").bind(record).fetch_optional(&app.db.pool).await?;
            let session = session.ok_or(AppError::NotFound)?;
            if user.has(Role::Staff) {
                return Ok(true);
            }
            Ok::<_, AppError>(match self {
                ExamAct::Teach => scopes::holds(&app.db.pool, user.id, ScopedRole::Teacher, &super::policy::session_scope(session)).await?,
            })
        })
    }
}

/// Acts on question banks (the record is the bank's id, or 0 for the list and a new bank).
pub enum BankAct {
    /// See and edit questions, import a file: staff and anyone who teaches a session.
    Edit,
}

impl Policy for BankAct {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            if record != 0 {
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM exam_banks WHERE id = $1").bind(record).fetch_optional(&app.db.pool).await?;
                found.ok_or(AppError::NotFound)?;
            }
            if user.has(Role::Staff) {
                return Ok(true);
            }
            Ok::<_, AppError>(match self {
                BankAct::Edit => !scopes::keys_of(&app.db.pool, user.id, ScopedRole::Teacher, "training_session").await?.is_empty(),
            })
        })
    }
}

/// Acts on an attempt (the record is the attempt's id).
pub enum AttemptAct {
    /// Read it and its result: the candidate, staff and the teachers of the exam's session.
    Read,
    /// Save answers and submit: the candidate only.
    Take,
}

impl Policy for AttemptAct {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let row: Option<(i64, i64)> = sqlx::query_as("SELECT user_id, exam_id FROM exam_attempts WHERE id = $1").bind(record).fetch_optional(&app.db.pool).await?;
            let (owner, exam) = row.ok_or(AppError::NotFound)?;
            if owner == user.id {
                return Ok(true);
            }
            Ok::<_, AppError>(match self {
                AttemptAct::Take => false,
                AttemptAct::Read => ExamAct::Teach.allows(app, user, exam).await?,
            })
        })
    }
}
