//! The registry's vocabulary and pure rules: a product as it is typed (API, form or import
//! row) and its checked values; the standards it follows read through the standards room's
//! number grammar.

use serde::{Deserialize, Serialize};

/// A field that cannot be accepted: (field name, locale key of the reason, the reason's
/// arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    fn new(field: &'static str, key: &'static str) -> FieldError {
        FieldError { field, key, args: vec![] }
    }

    fn arg(mut self, name: &'static str, value: impl Into<String>) -> FieldError {
        self.args.push((name, value.into()));
        self
    }
}

/// The most standards one product may cite.
pub const MAX_STANDARDS: usize = 50;

/// A product as typed: the organisation by its unified social credit code, and the
/// standards it follows by their numbers as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProductIn {
    /// Unified social credit code (GB 32100) of the organisation.
    #[schema(example = "91440101MA59ABCD1D")]
    pub organisation: String,
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub model: String,
    /// GTIN-8, -12, -13 or -14 with its check digit; empty when the product has none.
    #[serde(default)]
    pub gtin: String,
    /// HS code (2 to 10 digits, dots allowed).
    #[serde(default)]
    pub hs: String,
    /// Standard numbers as typed (national, industry, local, group, or the enterprise's own Q/).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub standards: Vec<String>,
    /// Indicators declared against each cited standard, by the number as typed.
    #[serde(default)]
    pub indicators: std::collections::BTreeMap<String, String>,
}

/// A standard cited by a product, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cited {
    pub number: String,
    pub norm: String,
    pub base: String,
    pub kind: String,
    pub indicators: String,
}

/// A product's checked values (the organisation is checked against the database apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductValues {
    pub name: String,
    pub model: String,
    pub gtin: String,
    pub hs: String,
    pub standards: Vec<Cited>,
}

/// Reads a unified social credit code; the error names the field `organisation`.
pub fn credit_code(raw: &str, field: &'static str) -> Result<String, FieldError> {
    stdnum::uscc::validate(raw.trim()).map_err(|e| FieldError::new(field, "registry.err_credit_code").arg("cause", e.to_string()))
}

/// Reads a GTIN (empty stays empty).
pub fn gtin(raw: &str) -> Result<String, FieldError> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    stdnum::gtin::validate(raw).map_err(|e| FieldError::new("gtin", "registry.err_gtin").arg("cause", e.to_string()))
}

/// Reads an HS code: digits with optional dots and blanks; a real chapter, heading or
/// subheading of HS 2022 (national tariff lines by their subheading).
pub fn hs(raw: &str) -> Result<String, FieldError> {
    let code: String = stdnum::text::normalize(raw).chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    if code.is_empty() {
        return Ok(code);
    }
    if crate::tbt::codes::hs_valid(&code) { Ok(code) } else { Err(FieldError::new("hs", "registry.err_hs").arg("code", raw.trim())) }
}

/// Reads a cited standard number through the standards room's grammar.
pub fn cite(raw: &str, indicators: &str) -> Result<Cited, FieldError> {
    let id = crate::standards::model::ident(raw).ok_or_else(|| FieldError::new("standards", "registry.err_standard_empty"))?;
    if id.norm.chars().count() > 120 {
        return Err(FieldError::new("standards", "registry.err_standard").arg("number", shorten(raw)));
    }
    if !id.norm.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldError::new("standards", "registry.err_standard").arg("number", shorten(raw)));
    }
    Ok(Cited { number: raw.trim().to_string(), norm: id.norm, base: id.base, kind: format!("{:?}", id.kind), indicators: indicators.trim().to_string() })
}

fn shorten(s: &str) -> String {
    crate::util::shorten(s.trim(), 60)
}

impl ProductIn {
    /// Checks everything but the organisation's existence.
    pub fn check(&self) -> Result<ProductValues, FieldError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(FieldError::new("name", "registry.err_name"));
        }
        if name.chars().count() > 200 {
            return Err(FieldError::new("name", "registry.err_too_long").arg("max", "200"));
        }
        let model = self.model.trim();
        if model.chars().count() > 100 {
            return Err(FieldError::new("model", "registry.err_too_long").arg("max", "100"));
        }
        let gtin = gtin(&self.gtin)?;
        let hs = hs(&self.hs)?;
        if self.standards.len() > MAX_STANDARDS {
            return Err(FieldError::new("standards", "registry.err_too_many").arg("max", MAX_STANDARDS.to_string()));
        }
        let mut standards: Vec<Cited> = Vec::new();
        for raw in &self.standards {
            if raw.trim().is_empty() {
                continue;
            }
            let ind = self.indicators.get(raw).or_else(|| self.indicators.get(raw.trim())).map(String::as_str).unwrap_or("");
            let c = cite(raw, ind)?;
            if !standards.iter().any(|s| s.norm == c.norm) {
                standards.push(c);
            }
        }
        Ok(ProductValues { name: name.to_string(), model: model.to_string(), gtin, hs, standards })
    }
}

/// Splits a cell listing standards (`GB 4706.1-2005；GB/T 4214.1-2017`) into numbers.
pub fn split_numbers(cell: &str) -> Vec<String> {
    cell.split([';', '；', ',', '，', '、', '\n', '|']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProductIn {
        ProductIn {
            organisation: "91440101MA59ABCD1D".into(),
            name: " 电热水壶 ".into(),
            model: "K-17".into(),
            gtin: "6901234567892".into(),
            hs: "8516.71".into(),
            standards: vec!["GB 4706.1-2005".into(), "gb4706.1—2005".into(), "Q/GZJ 001-2024".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_product_is_checked_and_its_standards_read() {
        let v = input().check().unwrap();
        assert_eq!(v.name, "电热水壶");
        assert_eq!(v.gtin, "6901234567892");
        assert_eq!(v.hs, "851671");
        assert_eq!(v.standards.len(), 2, "the same standard twice is kept once: {:?}", v.standards);
        assert_eq!(v.standards[0].norm, "GB 4706.1-2005");
        assert_eq!(v.standards[0].base, "GB 4706.1");
        assert_eq!(v.standards[1].kind, "Enterprise");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut i = input();
        i.gtin = "6901234567893".into();
        assert_eq!(i.check().unwrap_err().field, "gtin");
        let mut i = input();
        i.hs = "9999".into();
        assert_eq!(i.check().unwrap_err().field, "hs");
        let mut i = input();
        i.name = "  ".into();
        assert_eq!(i.check().unwrap_err().field, "name");
        let mut i = input();
        i.standards = vec!["标准".into()];
        assert_eq!(i.check().unwrap_err().field, "standards");
        assert_eq!(credit_code("91440101MA59ABCD1E", "organisation").unwrap_err().field, "organisation");
        assert!(credit_code("91440101MA59ABCD1D", "organisation").is_ok());
    }

    #[test]
    fn cells_of_numbers_split() {
        assert_eq!(split_numbers("GB 4706.1-2005；GB/T 4214.1-2017, Q/GZJ 1-2024"), vec!["GB 4706.1-2005", "GB/T 4214.1-2017", "Q/GZJ 1-2024"]);
    }
}
