//! The OpenAPI document, generated from the handlers' annotations. A test checks that
//! every `/api/v1` route in the router appears here and nothing else does.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "biaozhun API", description = "Public and member data of the standardization platform. \
        Authenticate scripts with a personal token (`Authorization: Bearer bz_…`); browser sessions must send `X-CSRF-Token` on changes. \
        A token acts within its scopes: `read` (GET), `write` (any change), `admin` (administrator routes of an administrator, and token management); \
        scopes cap the owner's roles and never widen them."),
    paths(
        crate::auth::captcha::api_new,
        crate::auth::routes::api_login,
        crate::auth::routes::api_logout,
        crate::auth::register::api_register,
        crate::auth::routes::api_forgot,
        crate::auth::routes::api_me,
        crate::auth::routes::api_tokens,
        crate::auth::routes::api_token_create,
        crate::auth::routes::api_token_revoke,
        crate::auth::routes::api_notifications,
        crate::auth::routes::api_set_roles,
        crate::auth::routes::api_audit,
        crate::auth::account::api_password,
        crate::auth::account::api_email,
        crate::auth::membership::routes::api_districts,
        crate::auth::membership::routes::api_mine,
        crate::auth::membership::routes::api_apply,
        crate::auth::membership::routes::api_queue,
        crate::auth::membership::routes::api_decide,
        crate::content::routes::api_list,
        crate::content::routes::api_get,
        crate::content::routes::api_create,
        crate::content::routes::api_update,
        crate::jobs::routes::api_get,
    ),
    modifiers(&TokenAuth),
)]
pub struct ApiDoc;

struct TokenAuth;

impl utoipa::Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

// The closed vocabularies of request fields that the handlers keep as strings, for the
// document only: each lists exactly the values its handler accepts (anything else is a 422
// naming the field), so clients and schemathesis see them as enumerations.

/// A staff decision on a membership application.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum DecisionName {
    Approve,
    Reject,
}

/// Who applies for membership: a person or an organisation (with its credit code).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ApplicantKind {
    Individual,
    Organisation,
}

/// How often TBT alerts of a subscription are sent (see `tbt::alerts::FREQUENCIES`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum AlertFrequency {
    Immediate,
    Daily,
}

/// The kind of an article (see `content::store::KINDS`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ArticleKind {
    News,
    Notice,
    Policy,
}

/// The body of every JSON error (`web::ctx`): a code, the message, and the field at fault.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// invalid, unauthorized, forbidden, not_found, conflict, too_many_requests, too_large, unavailable, storage_full, internal
    code: String,
    message: String,
    /// The input field the error is about, when there is one.
    field: Option<String>,
}

/// Answers any operation can give, whatever its own annotations say: the access layer,
/// the extractors, the rate limits and a database outage act before or around the handler.
const COMMON: [(&str, &str, bool); 7] = [
    ("400", "The request could not be read (malformed JSON, query or path)", false),
    ("401", "Not signed in, or the token is unknown or revoked", true),
    ("403", "Signed in without the right to this, a token whose scopes do not cover it, or the CSRF token is missing", true),
    ("404", "No such record", true),
    ("422", "A field is invalid; `error.field` names it", true),
    ("429", "Too many requests from this address or account; see `Retry-After`", true),
    ("503", "The database is unreachable or its disk is full; see `Retry-After`", true),
];

fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert("ErrorBody".into(), <ErrorBody as utoipa::PartialSchema>::schema());
    components.schemas.insert("ErrorDetail".into(), <ErrorDetail as utoipa::PartialSchema>::schema());
    let error_body = || ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
    for item in doc.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
            for (code, description, json) in COMMON {
                op.responses.responses.entry(code.to_string()).or_insert_with(|| {
                    let mut r = ResponseBuilder::new().description(description);
                    if json {
                        r = r.content("application/json", error_body());
                    }
                    RefOr::T(r.build())
                });
            }
            // The errors a handler lists itself (`(status = 404)`, `(status = 409)`) come as
            // the same JSON body; say so, and give them the shared description when they have none.
            for (code, response) in op.responses.responses.iter_mut() {
                let RefOr::T(r) = response else { continue };
                if code.starts_with(['4', '5']) && code != "400" && r.content.is_empty() {
                    r.content.insert("application/json".into(), error_body());
                }
                if r.description.is_empty() {
                    r.description = match COMMON.iter().find(|(c, _, _)| c == code) {
                        Some((_, d, _)) => d.to_string(),
                        None if code == "409" => "The record changed since it was read (stale `version`), or its state forbids this".into(),
                        None => String::new(),
                    };
                }
            }
        }
    }
}

/// The whole document: the shared paths above, merged with each domain's own `ApiDoc`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::standards::routes::ApiDoc::openapi());
    doc.merge(crate::tbt::routes::ApiDoc::openapi());
    doc.merge(crate::orgs::routes::ApiDoc::openapi());
    add_common_responses(&mut doc);
    doc
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}
