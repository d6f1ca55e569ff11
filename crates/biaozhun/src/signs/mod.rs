//! The signs room: public information signs (公共信息标志) registered by place (Guangzhou
//! district and street from the GB/T 2260 lists, address, WGS-84 coordinates), type and the
//! standard they follow (GB/T 10001 parts, GB/T 20501, GB/T 15566); inspections recorded
//! from a phone by district inspectors (photos, nonconformities by clause); rectification
//! cases for the owning organisation on the workflow engine; district statistics kept as
//! rolled-up counts in the same transaction as the records (docs/signs.md).

pub mod bench;
pub mod edit;
pub mod hooks;
pub mod import;
pub mod inspectors;
pub mod model;
pub mod policy;
pub mod remove;
pub mod routes;
pub mod sets;
pub mod store;

/// Signs brought to standard that the outline counts as its baseline.
pub const BASELINE: i64 = 106_000;

/// A rectification case: open → rectified → closed by re-inspection, or reopened.
pub static CASE_FLOW: crate::workflow::Flow = crate::workflow::Flow::new("sign_case", "sign_cases", &model::CASE_MOVES)
    .state_column("state")
    .touch_column("updated_at")
    .labels("signs.cstate_", "signs.caction_")
    .messages("signs.");

static FLOWS: [&crate::workflow::Flow; 1] = [&CASE_FLOW];

/// The figures the strategy dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub signs: i64,
    /// Signs whose last inspection found them conforming.
    pub conforming: i64,
    /// The outline's baseline of signs brought to standard.
    pub baseline: i64,
    pub inspections: i64,
    pub open_cases: i64,
}

/// The city's totals, from the per-district counts.
pub async fn counts(app: &crate::App) -> crate::web::AppResult<Counts> {
    let (signs, conforming, inspections, open_cases): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(signs), 0) AS BIGINT), CAST(COALESCE(SUM(conforming), 0) AS BIGINT), CAST(COALESCE(SUM(inspections), 0) AS BIGINT), \
         CAST(COALESCE(SUM(open_cases), 0) AS BIGINT) FROM sign_district_counts",
    )
    .fetch_one(&app.db.pool)
    .await?;
    Ok(Counts { signs, conforming, baseline: BASELINE, inspections, open_cases })
}

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0100_signs", "0125_sign_sets", "0160_sign_set_versions"],
        jobs: Some(register_jobs),
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        flows: &FLOWS,
        hooks: crate::web::Hooks { staff: Some(hooks::staff_hook), indicators: &INDICATORS, ..crate::web::Hooks::NONE },
        ..crate::web::Domain::new("signs", routes::routes)
    }
}

/// The room's jobs: the register uploaded by staff (`/staff/signs/import`).
pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("signs_import", import::job);
}

/// The strategy dashboard's figure this room computes (`signs.standardised`, the outline's
/// 106,000 baseline): signs whose last inspection found them conforming; none while the
/// register is empty (the department's reported figure stands until then).
static INDICATORS: [crate::web::domain::IndicatorSource; 1] = [crate::web::domain::IndicatorSource {
    key: "signs.standardised",
    read: |app| {
        Box::pin(async move {
            let c = counts(app).await?;
            Ok((c.signs > 0).then(|| crate::web::domain::Measure { value: c.conforming, href: crate::web::domain::Href::new("/signs", "") }))
        })
    },
}];
