//! Errors in words of the caller's choosing: each parser error names a stable key and the
//! values the message quotes, so that an application can say it in its own language (its
//! `Display` text stays the English one).

/// A parser error as a key (`uscc.wrong_check`) and the named values its message quotes.
pub trait Explain {
    fn key(&self) -> &'static str;
    fn args(&self) -> Vec<(&'static str, String)>;
}

impl Explain for crate::uscc::UsccError {
    fn key(&self) -> &'static str {
        use crate::uscc::UsccError::*;
        match self {
            Empty => "uscc.empty",
            WrongLength { .. } => "uscc.wrong_length",
            InvalidChar { .. } => "uscc.invalid_char",
            WrongCheck { .. } => "uscc.wrong_check",
            WrongOrgCheck { .. } => "uscc.wrong_org_check",
            UnknownAuthority(_) => "uscc.unknown_authority",
            UnknownCategory { .. } => "uscc.unknown_category",
            BadDivision(_) => "uscc.bad_division",
        }
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        use crate::uscc::UsccError::*;
        match self {
            Empty => vec![],
            WrongLength { expected, found } => vec![("expected", expected.to_string()), ("found", found.to_string())],
            InvalidChar { position, ch } => vec![("position", position.to_string()), ("ch", ch.to_string())],
            WrongCheck { expected, found } | WrongOrgCheck { expected, found } => {
                vec![("expected", expected.to_string()), ("found", found.to_string())]
            }
            UnknownAuthority(c) => vec![("ch", c.to_string())],
            UnknownCategory { authority, category } => vec![("authority", authority.to_string()), ("category", category.to_string())],
            BadDivision(s) => vec![("text", s.clone())],
        }
    }
}

impl Explain for crate::gtin::GtinError {
    fn key(&self) -> &'static str {
        use crate::gtin::GtinError::*;
        match self {
            Empty => "gtin.empty",
            WrongLength(_) => "gtin.wrong_length",
            InvalidChar { .. } => "gtin.invalid_char",
            WrongCheck { .. } => "gtin.wrong_check",
        }
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        use crate::gtin::GtinError::*;
        match self {
            Empty => vec![],
            WrongLength(n) => vec![("found", n.to_string())],
            InvalidChar { position, ch } => vec![("position", position.to_string()), ("ch", ch.to_string())],
            WrongCheck { expected, found } => vec![("expected", expected.to_string()), ("found", found.to_string())],
        }
    }
}

impl Explain for crate::date::DateError {
    fn key(&self) -> &'static str {
        use crate::date::DateError::*;
        match self {
            Empty => "date.empty",
            Unrecognized(_) => "date.unrecognized",
            InvalidDate { .. } => "date.invalid_date",
            Ambiguous(_) => "date.ambiguous",
        }
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        use crate::date::DateError::*;
        match self {
            Empty => vec![],
            Unrecognized(s) | Ambiguous(s) => vec![("text", s.clone())],
            InvalidDate { year, month, day } => vec![("date", format!("{year}-{month:02}-{day:02}"))],
        }
    }
}

impl Explain for crate::wto::ParseError {
    fn key(&self) -> &'static str {
        use crate::wto::ParseError::*;
        match self {
            Empty => "symbol.empty",
            NotTbt => "symbol.not_tbt",
            BadMember => "symbol.bad_member",
            BadNumber => "symbol.bad_number",
            BadSuffix(_) => "symbol.bad_suffix",
            TrailingText(_) => "symbol.trailing_text",
        }
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        use crate::wto::ParseError::*;
        match self {
            BadSuffix(s) | TrailingText(s) => vec![("text", s.clone())],
            _ => vec![],
        }
    }
}

impl Explain for crate::standard::ParseError {
    fn key(&self) -> &'static str {
        use crate::standard::ParseError::*;
        match self {
            Empty => "standard.empty",
            NoPrefix(_) => "standard.no_prefix",
            NoNumber(_) => "standard.no_number",
            TrailingText { .. } => "standard.trailing_text",
        }
    }
    fn args(&self) -> Vec<(&'static str, String)> {
        use crate::standard::ParseError::*;
        match self {
            Empty => vec![],
            NoPrefix(s) | NoNumber(s) => vec![("text", s.clone())],
            TrailingText { parsed, rest } => vec![("parsed", parsed.clone()), ("text", rest.clone())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Explain;

    #[test]
    fn every_error_names_a_key_and_the_values_it_quotes() {
        let e = crate::uscc::validate("9144030071526726XR").unwrap_err();
        assert_eq!(e.key(), "uscc.wrong_check");
        assert!(e.args().iter().any(|(k, v)| *k == "found" && v == "R"), "{:?}", e.args());
        let e = crate::date::parse_date("2020-13-45").unwrap_err();
        assert!(e.key().starts_with("date."), "{}", e.key());
        let e = crate::standard::parse("").unwrap_err();
        assert_eq!(e.key(), "standard.empty");
    }
}
