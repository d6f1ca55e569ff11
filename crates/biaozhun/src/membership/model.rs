//! Membership rules: what an application must contain, the district and industry lists.

use crate::web::{AppError, Lang, i18n};
use serde::{Deserialize, Serialize};

/// Guangzhou's districts (GB/T 2260): the orgs room's list, one for the whole site.
pub use crate::orgs::codes::{DISTRICTS, District};

/// Sections of the national industry classification (GB/T 4754-2017).
pub const INDUSTRIES: &[(&str, &str, &str)] = &[
    ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "采矿业", "Mining"),
    ("C", "制造业", "Manufacturing"),
    ("D", "电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply"),
    ("E", "建筑业", "Construction"),
    ("F", "批发和零售业", "Wholesale and retail trade"),
    ("G", "交通运输、仓储和邮政业", "Transport, storage and post"),
    ("H", "住宿和餐饮业", "Accommodation and catering"),
    ("I", "信息传输、软件和信息技术服务业", "Information transmission, software and IT services"),
    ("J", "金融业", "Finance"),
    ("K", "房地产业", "Real estate"),
    ("L", "租赁和商务服务业", "Leasing and business services"),
    ("M", "科学研究和技术服务业", "Scientific research and technical services"),
    ("N", "水利、环境和公共设施管理业", "Water, environment and public facilities management"),
    ("O", "居民服务、修理和其他服务业", "Resident, repair and other services"),
    ("P", "教育", "Education"),
    ("Q", "卫生和社会工作", "Health and social work"),
    ("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ("S", "公共管理、社会保障和社会组织", "Public administration, social security and social organisations"),
    ("T", "国际组织", "International organisations"),
];

pub fn industry_name(code: &str, lang: Lang) -> String {
    INDUSTRIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| if lang == Lang::En { en.to_string() } else { zh.to_string() })
        // A division (two digits) of GB/T 4754-2017, from the orgs room's list.
        .or_else(|| crate::orgs::codes::industry(code).map(|i| i.name(lang).to_string()))
        .unwrap_or_default()
}

pub fn district_name(code: &str) -> String {
    DISTRICTS.iter().find(|d| d.code == code).map(|d| d.name.clone()).unwrap_or_default()
}

/// Who applies for membership: a person or an organisation (with its credit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApplicantKind {
    Individual,
    Organisation,
}

impl ApplicantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Individual => "individual",
            ApplicantKind::Organisation => "organisation",
        }
    }
    pub fn parse(s: &str) -> Option<ApplicantKind> {
        [ApplicantKind::Individual, ApplicantKind::Organisation].into_iter().find(|k| k.as_str() == s)
    }
}

/// A staff decision on a membership application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DecisionName {
    Approve,
    Reject,
}

impl DecisionName {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionName::Approve => "approve",
            DecisionName::Reject => "reject",
        }
    }
    pub fn parse(s: &str) -> Option<DecisionName> {
        [DecisionName::Approve, DecisionName::Reject].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default, utoipa::ToSchema)]
pub struct ApplicationInput {
    /// `individual` or `organisation`.
    #[schema(value_type = ApplicantKind)]
    pub kind: String,
    /// For individuals: the applicant's real name.
    #[serde(default)]
    #[schema(max_length = 50)]
    pub real_name: String,
    /// For organisations: the registered name.
    #[serde(default)]
    #[schema(max_length = 120)]
    pub org_name: String,
    /// For organisations: the unified social credit code (GB 32100).
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 50)]
    pub contact_name: String,
    #[serde(default)]
    #[schema(max_length = 30)]
    pub contact_phone: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: String,
    /// GB/T 2260 code of a Guangzhou district.
    #[serde(default)]
    pub district_code: String,
    /// GB/T 4754 section letter.
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub statement: String,
}

fn too_long(s: &str, n: usize) -> bool {
    s.chars().count() > n
}

impl ApplicationInput {
    /// Checks every field and returns the cleaned input, or the first field in error.
    pub fn validate(mut self, lang: Lang) -> Result<ApplicationInput, AppError> {
        let bad = |field: &str, key: &str| Err(AppError::invalid(field, i18n::t(lang, key)));
        for s in [
            &mut self.real_name, &mut self.org_name, &mut self.uscc, &mut self.contact_name, &mut self.contact_phone,
            &mut self.contact_email, &mut self.address, &mut self.district_code, &mut self.industry, &mut self.statement,
        ] {
            *s = s.trim().to_string();
        }
        match ApplicantKind::parse(&self.kind) {
            Some(ApplicantKind::Individual) => {
                if self.real_name.is_empty() || too_long(&self.real_name, 50) {
                    return bad("real_name", "membership.err_real_name");
                }
                self.org_name.clear();
                self.uscc.clear();
            }
            Some(ApplicantKind::Organisation) => {
                if self.org_name.is_empty() || too_long(&self.org_name, 120) {
                    return bad("org_name", "membership.err_org_name");
                }
                match stdnum::uscc::validate(&self.uscc) {
                    Ok(code) => self.uscc = code,
                    Err(e) => {
                        let sep = if lang == Lang::Zh { "：" } else { ": " };
                        let msg = format!("{}{sep}{}", i18n::t(lang, "membership.err_uscc"), i18n::explain(lang, &e));
                        return Err(AppError::invalid("uscc", msg));
                    }
                }
                // A section or a division of GB/T 4754-2017 (the orgs room's code list).
                match crate::orgs::codes::industry(&self.industry) {
                    Some(i) => self.industry = i.code.clone(),
                    None => return bad("industry", "membership.err_industry"),
                }
            }
            _ => return bad("kind", "membership.err_kind"),
        }
        if self.contact_name.is_empty() || too_long(&self.contact_name, 50) {
            return bad("contact_name", "membership.err_contact_name");
        }
        let phone_ok = self.contact_phone.chars().filter(|c| c.is_ascii_digit()).count() >= 7
            && self.contact_phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
            && !too_long(&self.contact_phone, 30);
        if !phone_ok {
            return bad("contact_phone", "membership.err_phone");
        }
        if crate::auth::store::check_email(&self.contact_email).is_err() {
            return bad("contact_email", "auth.email_invalid");
        }
        if !self.district_code.is_empty() && crate::orgs::codes::district(&self.district_code).is_none() {
            return bad("district_code", "membership.err_district");
        }
        if self.kind == "organisation" && self.district_code.is_empty() {
            return bad("district_code", "membership.err_district");
        }
        if too_long(&self.address, 200) {
            return bad("address", "membership.err_address");
        }
        if too_long(&self.statement, 2000) {
            return bad("statement", "membership.err_statement");
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> ApplicationInput {
        ApplicationInput {
            kind: "organisation".into(),
            org_name: "广州某电器有限公司".into(),
            uscc: "9144030071526726XG".into(),
            contact_name: "李工".into(),
            contact_phone: "020-8888 6666".into(),
            contact_email: "li@example.com".into(),
            district_code: "440113".into(),
            industry: "C".into(),
            ..Default::default()
        }
    }

    #[test]
    fn districts_load() {
        assert_eq!(DISTRICTS.len(), 11);
        assert_eq!(district_name("440113"), "番禺区");
    }

    #[test]
    fn organisation_needs_a_valid_credit_code() {
        let mut bad = org();
        bad.uscc = "9144030071526726XH".into();
        match bad.validate(Lang::Zh) {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field.as_deref(), Some("uscc")),
            other => panic!("expected a uscc error, got {other:?}"),
        }
        let mut unknown = org();
        unknown.district_code = "110101".into();
        assert!(matches!(unknown.validate(Lang::Zh), Err(AppError::Invalid { field: Some(f), .. }) if f == "district_code"));
    }
}
