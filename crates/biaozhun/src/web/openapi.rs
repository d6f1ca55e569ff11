//! The OpenAPI document, generated from the handlers' annotations: each room has its own
//! `ApiDoc`; this file holds the shared description, the token scheme and the error answers
//! every operation can give. A test checks that every `/api/v1` route in the router appears
//! in the document and nothing else does.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "biaozhun API", description = "Public and member data of the standardization platform. \
        Authenticate scripts with a personal token (`Authorization: Bearer bz_…`); browser sessions must send `X-CSRF-Token` on changes. \
        A token acts within its scopes: `read` (GET), `write` (any change), `admin` (administrator routes of an administrator, and token management); \
        scopes cap the owner's roles and never widen them."),
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

/// The whole document: the shared description above, merged with the `ApiDoc` of every
/// installed room (each room documents its own paths and vocabulary), and the shared error
/// answers added to every operation.
pub fn spec(docs: impl IntoIterator<Item = utoipa::openapi::OpenApi>) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for d in docs {
        doc.merge(d);
    }
    add_common_responses(&mut doc);
    doc
}

pub async fn document(axum::extract::State(app): axum::extract::State<crate::App>) -> Json<utoipa::openapi::OpenApi> {
    Json(spec(app.domains.iter().filter_map(|d| d.api.map(|f| f()))))
}
