//! Files handed to background work (an uploaded import file): kept in the database so
//! any server's worker can read them, removed a day after upload.

use crate::App;
use crate::db::Tx;

pub async fn store(tx: &mut Tx, filename: &str, data: &[u8], uploader: Option<i64>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO uploads (filename, data, size, uploader_id, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id")
        .bind(filename)
        .bind(data.to_vec())
        .bind(data.len() as i64)
        .bind(uploader)
        .bind(crate::util::now())
        .fetch_one(&mut **tx)
        .await
}

/// The file's name and bytes.
pub async fn load(app: &App, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT filename, data FROM uploads WHERE id = $1").bind(id).fetch_optional(&app.db.pool).await
}

pub async fn purge(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM uploads WHERE created_at < $1").bind(crate::util::now() - 24 * 3600).execute(&app.db.pool).await?;
    Ok(())
}
