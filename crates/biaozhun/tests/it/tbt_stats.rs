//! TBT statistics as an analyst reads them: notifications by year and by member (ASEAN and
//! Guangzhou's main export markets counted apart), by objective and by HS section, on a page
//! with charts and as a CSV file; addenda are not new notifications, and a joint notification
//! counts for each of its members.

use crate::scenario;
use crate::support::TestApp;
use crate::tbt::upload;
use biaozhun::web::{Lang, i18n};
use reqwest::StatusCode;

/// Six records of 2023 and 2024: two Vietnamese (HS 8414 and 8516, both section XVI), a Thai
/// one on milk (section I), an EU one on biocides (section VI) with its addendum, and a joint
/// notification of the United Arab Emirates and Bahrain on toys (section XX).
const WEEKS: &str = "Notifying Member(s),Symbol,Title,Distribution date,Products (HS/ICS code),Objectives,Notification type\n\
越南,G/TBT/N/VNM/290,Range hoods,2023-03-01,8414,Protection of the environment,Regular notification\n\
越南,G/TBT/N/VNM/300,Electric cookers,2024-05-06,8516,Protection of the environment,Regular notification\n\
泰国,G/TBT/N/THA/650,Milk products,2024-02-10,0401,Protection of human health or safety,Regular notification\n\
欧盟,G/TBT/N/EU/1004,Biocidal products,2024-01-10,3808,Protection of human health or safety,Regular notification\n\
欧盟,G/TBT/N/EU/1004/Add.1,Biocidal products: adoption,2024-06-10,3808,,Addendum\n\
\"United Arab Emirates; Kingdom of Bahrain\",\"G/TBT/N/ARE/500, G/TBT/N/BHR/600\",Toy safety,2023-09-01,95,Protection of human health or safety,Regular notification\n";

/// The count of a (dimension, key, year) row of the statistics CSV.
fn count(csv: &str, dimension: &str, key: &str, year: &str) -> Option<i64> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    r.records().map(Result::unwrap).find(|row| &row[0] == dimension && &row[1] == key && &row[3] == year).map(|row| row[4].parse().unwrap())
}

scenario!(tbt_statistics_count_notifications_by_year_member_objective_and_section, |t: TestApp| async move {
    let analyst = t.client();
    // Before anything is imported the page stands, with nothing counted.
    let page = analyst.get("/tbt/stats").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&i18n::tf(Lang::Zh, "tbt.stats_total", &[("n", "0")])), "{}", page.text);
    assert_eq!(analyst.get("/tbt/stats.csv").await.text.trim_end().lines().count(), 1, "the CSV is its header alone");

    let desk = t.staff("stats_desk").await;
    let r = upload(&t, &desk, "weeks.csv", WEEKS.as_bytes().to_vec()).await;
    assert_eq!(r["created"], 6, "{r}");

    // Five notifications (the addendum is none); three from ASEAN members.
    let page = analyst.get("/tbt/stats").await.text;
    assert!(page.contains(&i18n::tf(Lang::Zh, "tbt.stats_total", &[("n", "5")])), "{page}");
    assert!(page.contains(&i18n::tf(Lang::Zh, "tbt.stats_asean", &[("n", "3")])), "{page}");
    for heading in ["tbt.stats_by_year", "tbt.stats_by_member", "tbt.stats_by_objective", "tbt.stats_by_section"] {
        assert!(page.contains(&i18n::t(Lang::Zh, heading)), "{heading}");
    }
    assert_eq!(page.matches("<svg").count(), 6, "a chart per dimension (year, agreement, member group, member, objective, HS section)");
    assert!(page.contains("(VNM)") && page.contains("(ARE)") && page.contains("(BHR)"), "the member table: {page}");
    assert!(!page.contains("style="), "charts styled by the stylesheet (the CSP forbids inline styles)");

    // The CSV has the same figures, one row per dimension, key and year.
    let r = analyst.get("/tbt/stats.csv").await;
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text;
    assert_eq!(count(&csv, "year", "2023", "2023"), Some(2), "{csv}");
    assert_eq!(count(&csv, "year", "2024", "2024"), Some(3), "{csv}");
    assert_eq!(count(&csv, "member", "VNM", "2023"), Some(1));
    assert_eq!(count(&csv, "member", "VNM", "2024"), Some(1));
    assert_eq!(count(&csv, "member", "EU", "2024"), Some(1), "the addendum is not counted: {csv}");
    assert_eq!((count(&csv, "member", "ARE", "2023"), count(&csv, "member", "BHR", "2023")), (Some(1), Some(1)), "a joint notification counts for each member");
    assert_eq!(count(&csv, "objective", "Protection of human health or safety", ""), Some(3));
    assert_eq!(count(&csv, "objective", "Protection of the environment", ""), Some(2));
    assert_eq!(count(&csv, "hs_section", "XVI", ""), Some(2), "{csv}");
    assert_eq!((count(&csv, "hs_section", "I", ""), count(&csv, "hs_section", "VI", ""), count(&csv, "hs_section", "XX", "")), (Some(1), Some(1), Some(1)));

    // A later import shows at once; the page reads in English when asked.
    let next = "Notifying Member(s),Symbol,Title,Distribution date,Products (HS/ICS code),Objectives\n越南,G/TBT/N/VNM/310,Air conditioners,2025-01-15,8415,Protection of the environment\n";
    upload(&t, &desk, "next.csv", next.as_bytes().to_vec()).await;
    analyst.get("/lang/en?next=/tbt/stats").await;
    let page = analyst.get("/tbt/stats").await.text;
    assert!(page.contains(&i18n::tf(Lang::En, "tbt.stats_total", &[("n", "6")])) && page.contains(&i18n::t(Lang::En, "tbt.stats_by_member")), "{page}");
    assert_eq!(count(&analyst.get("/tbt/stats.csv").await.text, "member", "VNM", "2025"), Some(1));
});
