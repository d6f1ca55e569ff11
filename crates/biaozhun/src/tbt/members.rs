//! WTO members as they appear in TBT notification symbols (`G/TBT/N/<CODE>/…`), with
//! Chinese and English names, and the groups the platform filters and alerts by.
//!
//! The codes are those the WTO Secretariat uses in symbols: mostly ISO 3166 alpha-3,
//! `EU` for the European Union (`EEC` on old documents), `TPKM` for the Separate Customs
//! Territory of Taiwan, Penghu, Kinmen and Matsu (Chinese Taipei).

/// One WTO member: symbol code, English name, Chinese name, extra spellings.
pub struct Member {
    pub code: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub aliases: &'static [&'static str],
}

macro_rules! m {
    ($c:expr, $en:expr, $zh:expr) => {
        Member { code: $c, en: $en, zh: $zh, aliases: &[] }
    };
    ($c:expr, $en:expr, $zh:expr, [$($a:expr),*]) => {
        Member { code: $c, en: $en, zh: $zh, aliases: &[$($a),*] }
    };
}

/// WTO members (and the EU), by symbol code.
pub static MEMBERS: &[Member] = &[
    m!(
        "USA",
        "United States of America",
        "美国",
        ["United States", "US", "U.S.A.", "UNITED STATES OF AMERICA", "美利坚合众国"]
    ),
    m!("EU", "European Union", "欧盟", ["EEC", "European Communities", "EC", "欧洲联盟", "欧共体"]),
    m!("CHN", "China", "中国", ["People's Republic of China", "P.R. China", "PRC", "中华人民共和国"]),
    m!("JPN", "Japan", "日本"),
    m!(
        "KOR",
        "Republic of Korea",
        "韩国",
        ["Korea", "Korea, Republic of", "South Korea", "大韩民国", "韩国(大韩民国)"]
    ),
    m!(
        "TPKM",
        "Chinese Taipei",
        "中国台北",
        [
            "Separate Customs Territory of Taiwan, Penghu, Kinmen and Matsu",
            "Taiwan",
            "台澎金马单独关税区",
            "台澎金马",
            "台湾",
            "中国台湾"
        ]
    ),
    m!("HKG", "Hong Kong, China", "中国香港", ["Hong Kong", "香港"]),
    m!("MAC", "Macao, China", "中国澳门", ["Macao", "Macau", "澳门"]),
    m!(
        "GBR",
        "United Kingdom",
        "英国",
        ["UK", "Great Britain", "United Kingdom of Great Britain and Northern Ireland"]
    ),
    m!("CAN", "Canada", "加拿大"),
    m!("MEX", "Mexico", "墨西哥"),
    m!("BRA", "Brazil", "巴西"),
    m!("ARG", "Argentina", "阿根廷"),
    m!("CHL", "Chile", "智利"),
    m!("COL", "Colombia", "哥伦比亚"),
    m!("PER", "Peru", "秘鲁"),
    m!("ECU", "Ecuador", "厄瓜多尔"),
    m!("URY", "Uruguay", "乌拉圭"),
    m!("PRY", "Paraguay", "巴拉圭"),
    m!("BOL", "Bolivia, Plurinational State of", "玻利维亚", ["Bolivia"]),
    m!("CRI", "Costa Rica", "哥斯达黎加"),
    m!("DOM", "Dominican Republic", "多米尼加"),
    m!("GTM", "Guatemala", "危地马拉"),
    m!("HND", "Honduras", "洪都拉斯"),
    m!("NIC", "Nicaragua", "尼加拉瓜"),
    m!("PAN", "Panama", "巴拿马"),
    m!("SLV", "El Salvador", "萨尔瓦多"),
    m!("JAM", "Jamaica", "牙买加"),
    m!("TTO", "Trinidad and Tobago", "特立尼达和多巴哥"),
    m!("AUS", "Australia", "澳大利亚"),
    m!("NZL", "New Zealand", "新西兰"),
    m!("IND", "India", "印度"),
    m!("PAK", "Pakistan", "巴基斯坦"),
    m!("BGD", "Bangladesh", "孟加拉国", ["孟加拉"]),
    m!("LKA", "Sri Lanka", "斯里兰卡"),
    m!("NPL", "Nepal", "尼泊尔"),
    m!("MNG", "Mongolia", "蒙古"),
    m!("KAZ", "Kazakhstan", "哈萨克斯坦"),
    m!("KGZ", "Kyrgyz Republic", "吉尔吉斯斯坦", ["Kyrgyzstan"]),
    m!("TJK", "Tajikistan", "塔吉克斯坦"),
    m!("RUS", "Russian Federation", "俄罗斯", ["Russia", "俄罗斯联邦"]),
    m!("UKR", "Ukraine", "乌克兰"),
    m!("GEO", "Georgia", "格鲁吉亚"),
    m!("ARM", "Armenia", "亚美尼亚"),
    m!("MDA", "Moldova, Republic of", "摩尔多瓦", ["Moldova"]),
    m!("ALB", "Albania", "阿尔巴尼亚"),
    m!("MKD", "North Macedonia", "北马其顿"),
    m!("MNE", "Montenegro", "黑山"),
    m!("TUR", "Türkiye", "土耳其", ["Turkey", "Turkiye"]),
    m!("CHE", "Switzerland", "瑞士"),
    m!("NOR", "Norway", "挪威"),
    m!("ISL", "Iceland", "冰岛"),
    m!("LIE", "Liechtenstein", "列支敦士登"),
    m!("ISR", "Israel", "以色列"),
    m!("SAU", "Saudi Arabia, Kingdom of", "沙特阿拉伯", ["Saudi Arabia", "沙特"]),
    m!("ARE", "United Arab Emirates", "阿联酋", ["UAE", "阿拉伯联合酋长国"]),
    m!("BHR", "Bahrain, Kingdom of", "巴林", ["Bahrain"]),
    m!("KWT", "Kuwait, the State of", "科威特", ["Kuwait"]),
    m!("OMN", "Oman", "阿曼"),
    m!("QAT", "Qatar", "卡塔尔"),
    m!("JOR", "Jordan", "约旦"),
    m!("YEM", "Yemen", "也门"),
    m!("EGY", "Egypt", "埃及"),
    m!("MAR", "Morocco", "摩洛哥"),
    m!("TUN", "Tunisia", "突尼斯"),
    m!("ZAF", "South Africa", "南非"),
    m!("KEN", "Kenya", "肯尼亚"),
    m!("UGA", "Uganda", "乌干达"),
    m!("TZA", "Tanzania", "坦桑尼亚"),
    m!("RWA", "Rwanda", "卢旺达"),
    m!("BDI", "Burundi", "布隆迪"),
    m!("NGA", "Nigeria", "尼日利亚"),
    m!("GHA", "Ghana", "加纳"),
    m!("CIV", "Côte d'Ivoire", "科特迪瓦", ["Cote d'Ivoire", "Ivory Coast"]),
    m!("SEN", "Senegal", "塞内加尔"),
    m!("CMR", "Cameroon", "喀麦隆"),
    m!("ZMB", "Zambia", "赞比亚"),
    m!("ZWE", "Zimbabwe", "津巴布韦"),
    m!("MWI", "Malawi", "马拉维"),
    m!("MUS", "Mauritius", "毛里求斯"),
    m!("MDG", "Madagascar", "马达加斯加"),
    m!("BWA", "Botswana", "博茨瓦纳"),
    m!("NAM", "Namibia", "纳米比亚"),
    m!("ETH", "Ethiopia", "埃塞俄比亚"),
    m!("SYC", "Seychelles", "塞舌尔"),
    m!("BRN", "Brunei Darussalam", "文莱", ["Brunei"]),
    m!("KHM", "Cambodia", "柬埔寨"),
    m!("IDN", "Indonesia", "印度尼西亚", ["印尼"]),
    m!("LAO", "Lao People's Democratic Republic", "老挝", ["Laos", "Lao PDR"]),
    m!("MYS", "Malaysia", "马来西亚"),
    m!("MMR", "Myanmar", "缅甸"),
    m!("PHL", "Philippines", "菲律宾"),
    m!("SGP", "Singapore", "新加坡"),
    m!("THA", "Thailand", "泰国"),
    m!("VNM", "Viet Nam", "越南", ["Vietnam"]),
    m!("FJI", "Fiji", "斐济"),
    m!("PNG", "Papua New Guinea", "巴布亚新几内亚"),
    m!("AFG", "Afghanistan", "阿富汗"),
];

/// A named set of members for filters, subscriptions and statistics.
pub struct Group {
    pub code: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub members: &'static [&'static str],
}

pub const ASEAN: &[&str] = &["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"];

/// Groups. EU member states notify through the EU, so the EU group is the EU itself.
/// "Main markets of Guangzhou": the city's largest export destinations by customs
/// statistics — the United States, the EU, ASEAN, Japan, Korea, Hong Kong, the United
/// Kingdom, Australia, Canada, India, plus the Gulf (UAE, Saudi Arabia), Russia, Mexico
/// and Brazil, which have grown with the Belt and Road trade.
pub static GROUPS: &[Group] = &[
    Group {
        code: "ASEAN",
        en: "ASEAN",
        zh: "东盟",
        members: ASEAN,
    },
    Group {
        code: "EU",
        en: "European Union",
        zh: "欧盟",
        members: &["EU"],
    },
    Group {
        code: "RCEP",
        en: "RCEP",
        zh: "RCEP 成员",
        members: &[
            "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "AUS", "CHN", "JPN", "KOR", "NZL",
        ],
    },
    Group {
        code: "GZ",
        en: "Main markets of Guangzhou",
        zh: "广州主要出口市场",
        members: &[
            "USA", "EU", "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "JPN", "KOR", "HKG", "GBR", "AUS", "CAN", "IND", "ARE", "SAU",
            "RUS", "MEX", "BRA",
        ],
    },
];

fn key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | ',' | '\'' | '’' | '(' | ')' | '（' | '）' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

static INDEX: std::sync::LazyLock<std::collections::HashMap<String, usize>> = std::sync::LazyLock::new(|| {
    let mut m = std::collections::HashMap::new();
    for (i, mem) in MEMBERS.iter().enumerate() {
        for n in [mem.code, mem.en, mem.zh].iter().chain(mem.aliases.iter()) {
            m.entry(key(n)).or_insert(i);
        }
    }
    // A few forms that need the word order undone.
    for (alias, code) in [
        ("the european union", "EU"),
        ("republic of korea", "KOR"),
        ("korea republic of", "KOR"),
        ("china taipei", "TPKM"),
    ] {
        if let Some(i) = MEMBERS.iter().position(|m| m.code == code) {
            m.entry(key(alias)).or_insert(i);
        }
    }
    m
});

pub fn by_code(code: &str) -> Option<&'static Member> {
    MEMBERS.iter().find(|m| m.code.eq_ignore_ascii_case(code.trim()))
}

/// The member named by a code or an English or Chinese name, in any case.
pub fn find(name: &str) -> Option<&'static Member> {
    let k = key(name);
    if k.is_empty() {
        return None;
    }
    if let Some(i) = INDEX.get(&k) {
        return Some(&MEMBERS[*i]);
    }
    // "The Republic of X", "X (the)" and similar decorations.
    let stripped = k.trim_start_matches("the").trim_end_matches("the");
    INDEX.get(stripped).map(|i| &MEMBERS[*i])
}

/// The symbol code for a member name; names not in the table pass through as an
/// upper-case code when they look like one (three or four letters).
pub fn normalise(name: &str) -> Option<String> {
    if let Some(m) = find(name) {
        return Some(m.code.to_string());
    }
    let t = name.trim();
    (2..=5)
        .contains(&t.len())
        .then_some(())
        .filter(|_| t.chars().all(|c| c.is_ascii_alphabetic()))
        .map(|_| t.to_ascii_uppercase())
}

pub fn group(code: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.code.eq_ignore_ascii_case(code.trim()))
}

/// Member codes a filter value stands for: a group's members, or the one member.
pub fn expand(code: &str) -> Vec<String> {
    if let Some(g) = group(code) {
        return g.members.iter().map(|s| s.to_string()).collect();
    }
    normalise(code).into_iter().collect()
}

/// Display name in a language (`zh-CN` or `en`); unknown codes show as themselves.
pub fn name(code: &str, lang: &str) -> String {
    match by_code(code) {
        Some(m) if lang == "en" => m.en.to_string(),
        Some(m) => m.zh.to_string(),
        None => code.to_string(),
    }
}

pub fn group_name(code: &str, lang: &str) -> String {
    match group(code) {
        Some(g) if lang == "en" => g.en.to_string(),
        Some(g) => g.zh.to_string(),
        None => name(code, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_to_symbol_codes() {
        for (n, c) in [
            ("美国", "USA"),
            ("韩国", "KOR"),
            ("欧盟", "EU"),
            ("REPUBLIC OF KOREA", "KOR"),
            ("Korea, Republic of", "KOR"),
            ("European Union", "EU"),
            ("台澎金马单独关税区", "TPKM"),
            ("Chinese Taipei", "TPKM"),
            ("中国", "CHN"),
            ("CHINA", "CHN"),
            ("Viet Nam", "VNM"),
            ("usa", "USA"),
        ] {
            assert_eq!(normalise(n).as_deref(), Some(c), "{n}");
        }
        assert_eq!(normalise("Atlantis Republic"), None);
        assert!(expand("ASEAN").contains(&"VNM".to_string()));
        assert_eq!(expand("韩国"), vec!["KOR".to_string()]);
    }
}
