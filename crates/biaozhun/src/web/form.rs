//! Form kit: reading a checkbox, and re-showing a form with the field at fault after a
//! refused submission (422 for a bad field, 409 for a stale version), the entered text kept.

use super::AppError;
use serde::Deserialize;

/// A checkbox: absent is false; `1`, `on`, `true`, `yes` (or a JSON boolean) are true;
/// `0`, `off`, `false`, `no` and empty are false. Any other text, and a JSON null, is refused (a JSON body's
/// `"members_only": "AAA"` is a 422 naming the field, not a silent false). Use with `#[serde(default, deserialize_with = "crate::web::form::checkbox")]`.
pub fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        B(bool),
        S(String),
    }
    Ok(match V::deserialize(d)? {
        V::B(b) => b,
        V::S(s) => match s.as_str() {
            "1" | "on" | "true" | "yes" => true,
            "" | "0" | "off" | "false" | "no" => false,
            other => return Err(serde::de::Error::invalid_value(serde::de::Unexpected::Str(other), &"a boolean, or on/off")),
        },
    })
}

/// An error a form page shows beside its fields instead of an error page.
pub fn reshown(e: &AppError) -> bool {
    matches!(e, AppError::Invalid { .. } | AppError::Conflict(_))
}

/// The field at fault and the message, for a form's `error_field` and `error` (the
/// `field_error` macro of `templates/macros.html` shows the message at its field).
pub fn field_error(e: Option<AppError>) -> (Option<String>, Option<String>) {
    match e {
        Some(AppError::Invalid { field, message }) => (field, Some(message)),
        Some(e) => (None, Some(e.to_string())),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct F {
        #[serde(default, deserialize_with = "checkbox")]
        on: bool,
    }

    #[test]
    fn checkboxes_and_errors() {
        assert!(serde_urlencoded::from_str::<F>("on=on").unwrap().on);
        assert!(!serde_urlencoded::from_str::<F>("").unwrap().on);
        assert!(!serde_urlencoded::from_str::<F>("on=off").unwrap().on);
        assert!(serde_json::from_str::<F>(r#"{"on": true}"#).unwrap().on);
        assert!(serde_json::from_str::<F>(r#"{"on": "AAA"}"#).is_err());
        assert!(serde_json::from_str::<F>(r#"{"on": null}"#).is_err());
        assert!(!serde_json::from_str::<F>(r#"{}"#).unwrap().on);
        assert!(serde_urlencoded::from_str::<F>("on=maybe").is_err());
        let e = AppError::invalid("title", "too long");
        assert!(reshown(&e));
        assert_eq!(field_error(Some(e)), (Some("title".into()), Some("too long".into())));
        assert!(!reshown(&AppError::NotFound));
    }
}
