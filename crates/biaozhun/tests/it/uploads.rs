//! Hostile files at every door that reads one: the anonymous validity check upload, the
//! watchlist upload and the staff imports of standards and TBT notifications. Each bomb is
//! built here (none is committed): a two-cell XLSX spanning A1:XFD1048576, DOCX and XLSX
//! files whose members expand to hundreds of MiB (declared honestly, or understated), gzip
//! streams of zeros. Each must be refused with 422 naming the bound, within seconds, while
//! the memory of this process (the server runs in it) stays bounded.

use crate::scenario;
use crate::support::{Client, Resp, TestApp};
use biaozhun::auth::Role;
use reqwest::StatusCode;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Past this much growth of the process's resident memory during one upload, the server is
/// not bounded.
const MAX_GROWTH_KIB: u64 = 500 * 1024;
/// "Within a few seconds", with room for a debug build on a busy machine.
const MAX_SECONDS: u64 = 10;

const MIB: usize = 1024 * 1024;

/// A field of /proc/self/status, in KiB.
fn status_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find_map(|l| l.strip_prefix(field)?.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// Runs `f` while watching the resident memory: the peak growth over what was resident
/// before, from a sampler every 2 ms and from the kernel's high-water mark (reset first,
/// where the kernel allows it).
async fn measured<F: std::future::Future<Output = Resp>>(f: F) -> (Resp, Duration, u64) {
    let before = status_kib("VmRSS:");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(status_kib("VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let started = Instant::now();
    let r = f.await;
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let mut high = peak.load(Ordering::Relaxed);
    if reset {
        high = high.max(status_kib("VmHWM:"));
    }
    (r, took, high.saturating_sub(before))
}

async fn post_file(c: &Client, path: &str, name: &str, data: &[u8]) -> Resp {
    let csrf = c.csrf().await;
    let part = reqwest::multipart::Part::bytes(data.to_vec()).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = c.http.post(c.url(&format!("{path}?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Resp { status, headers, text: r.text().await.unwrap_or_default() }
}

/// Raw deflate data expanding to `mib` MiB of zeros: 1 MiB compressed and flushed to a byte
/// boundary, that block sequence repeated (each copy refers back only to zeros), then an
/// empty final block.
fn deflate_zeros(mib: usize) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(64 * 1024);
    c.compress_vec(&vec![0u8; MIB], &mut chunk, flate2::FlushCompress::Sync).unwrap();
    assert_eq!(c.total_in(), MIB as u64);
    let mut out = chunk.repeat(mib);
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// gzip members of 16 MiB of zeros one after another (readers take them as one stream),
/// after a member of `noise` bytes that do not compress (which keeps the ratio of the whole
/// within bounds, so that the expanded size is what stops it).
fn gzip_zeros(mib: usize, noise: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if noise > 0 {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let bytes: Vec<u8> = (0..noise)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
        e.write_all(&bytes).unwrap();
        out = e.finish().unwrap();
    }
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 16 * MIB]).unwrap();
    out.extend(e.finish().unwrap().repeat(mib / 16));
    out
}

struct Member {
    name: &'static str,
    /// 0 stored, 8 deflated.
    method: u16,
    data: Vec<u8>,
    /// What the archive says the member expands to.
    declared: u32,
    crc: u32,
}

impl Member {
    fn stored(name: &'static str, data: &[u8]) -> Member {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        Member { name, method: 0, data: data.to_vec(), declared: data.len() as u32, crc: crc.sum() }
    }
    /// `mib` MiB of zeros, declaring `declared` bytes (the true size, or a lie).
    fn zeros(name: &'static str, mib: usize, declared: u32) -> Member {
        Member { name, method: 8, data: deflate_zeros(mib), declared, crc: 0 }
    }
}

/// A ZIP archive written byte by byte, so that members can declare any size.
fn zip_of(members: &[Member]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = out.len() as u32;
        let head = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(m.method.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(0x21u16.to_le_bytes());
            h.extend(m.crc.to_le_bytes());
            h.extend((m.data.len() as u32).to_le_bytes());
            h.extend(m.declared.to_le_bytes());
            h.extend((m.name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if central {
                // Comment length, first disk, internal and external attributes, then where
                // the local header is.
                h.extend([0u8; 10]);
                h.extend(offset.to_le_bytes());
            }
            h.extend(m.name.as_bytes());
            h
        };
        out.extend(head(0x04034b50, false));
        out.extend(&m.data);
        central.extend(head(0x02014b50, true));
    }
    let at = out.len() as u32;
    out.extend(&central);
    out.extend(0x06054b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((members.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A workbook whose only cells are A1 and XFD1048576.
fn two_cell_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "标准号").unwrap();
    ws.write_string(1_048_575, 16_383, "GB/T 1.1-2020").unwrap();
    wb.save_to_buffer().unwrap()
}

/// A real small workbook's members, stored, with one more member of `mib` MiB of zeros that
/// declares only a few bytes.
fn xlsx_with_lying_member(mib: usize) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "Symbol").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut members = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name: &'static str = Box::leak(f.name().unwrap().to_string().into_boxed_str());
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        members.push(Member::stored(name, &data));
    }
    members.push(Member::zeros("xl/media/image1.png", mib, 2_000));
    zip_of(&members)
}

struct Case {
    what: &'static str,
    name: &'static str,
    data: Vec<u8>,
    /// A word the refusal must contain (the setting it names, or the member at fault).
    names: &'static str,
}

async fn refused(client: &Client, path: &str, case: &Case) {
    let (r, took, growth) = measured(post_file(client, path, case.name, &case.data)).await;
    let what = format!("{} to {path}", case.what);
    eprintln!("{what}: {} in {took:?}, memory +{} MiB", r.status, growth / 1024);
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}", r.text);
    assert!(r.text.contains(case.names), "{what}: the refusal names `{}`: {}", case.names, r.text);
    assert!(took < Duration::from_secs(MAX_SECONDS), "{what}: answered in {took:?}");
    assert!(growth < MAX_GROWTH_KIB, "{what}: memory grew by {} MiB", growth / 1024);
}

scenario!(hostile_files_are_refused_within_bounded_memory, |t: TestApp| async move {
    // Each bomb is built once (compressing takes a while in a debug build) and cloned.
    let (xlsx, docx, docx_lie, gz, gz_ratio, xlsx_lie) = (
        two_cell_xlsx(),
        zip_of(&[Member::zeros("word/document.xml", 512, 512 * MIB as u32)]),
        zip_of(&[Member::zeros("word/document.xml", 512, 2_000)]),
        gzip_zeros(512, 400 * 1024),
        gzip_zeros(32, 0),
        xlsx_with_lying_member(512),
    );
    let case = |what, name, data: &Vec<u8>, names| Case { what, name, data: data.clone(), names };
    let two_cells = || case("a two-cell XLSX spanning A1:XFD1048576", "list.xlsx", &xlsx, "imports.max_rows");
    let docx_bomb = || case("a DOCX whose document expands to 512 MiB", "list.docx", &docx, "imports.max_expanded_bytes");
    let lie = "is larger than its declared uncompressed size";
    let docx_liar = || case("a DOCX whose document declares 2,000 bytes and expands to 512 MiB", "list.docx", &docx_lie, lie);
    let gzip_bomb = || case("512 MiB of zeros gzipped", "catalogue.jsonl.gz", &gz, "imports.max_expanded_bytes");
    let gzip_ratio = || case("32 MiB of zeros gzipped (a ratio of 1000)", "catalogue.csv.gz", &gz_ratio, "imports.max_ratio");
    let xlsx_liar = || case("an XLSX with a member understating its size", "eping.xlsx", &xlsx_lie, lie);
    assert!([&docx, &docx_lie, &gz, &xlsx_lie].iter().all(|b| b.len() < MIB), "each bomb fits under the upload limit");

    // Anonymous: the validity check (TXT, CSV, XLSX, DOCX).
    let anon = t.client();
    for case in [two_cells(), docx_bomb(), docx_liar()] {
        refused(&anon, "/standards/check/upload", &case).await;
    }
    let r = post_file(&anon, "/standards/check/upload", "list.txt.gz", &gz).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a gzip file is not a list the check reads");

    // A user's watchlist upload (same reader).
    let user = t.user("bomb_watcher").await;
    for case in [two_cells(), docx_bomb()] {
        refused(&user, "/standards/watchlist/upload", &case).await;
    }

    // Staff imports: refused at the upload, before any job is queued.
    let staff = t.user_with_roles("bomb_staff", &[Role::Staff]).await;
    for case in [two_cells(), gzip_bomb(), gzip_ratio(), xlsx_liar(), docx_bomb()] {
        refused(&staff, "/staff/standards/import", &case).await;
    }
    for case in [two_cells(), gzip_bomb(), xlsx_liar()] {
        refused(&staff, "/staff/tbt/import", &case).await;
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM jobs WHERE kind IN ('standards_import', 'tbt_import')").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM uploads").await, 0);

    // The limits are settings: in English, with the figures.
    let en = t.client();
    en.get("/lang/en?next=/").await;
    let r = post_file(&en, "/standards/check/upload", "list.xlsx", &two_cell_xlsx()).await;
    assert!(r.text.contains("more than 200,000 rows (limit: imports.max_rows)"), "{}", r.text);

    // Ordinary files still go through: a gzipped catalogue and a workbook.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all("标准号,中文标准名称,标准状态\nGB/T 30000-2013,名称,现行\n".as_bytes()).unwrap();
    let r = post_file(&staff, "/staff/standards/import", "ok.csv.gz", &e.finish().unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    t.run_jobs().await;
    assert!(staff.get(&r.location()).await.text.contains("新增 1 条"), "the counts, in the page's language");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "list").unwrap();
    ws.write_string(1, 0, "GB/T 30000-2013").unwrap();
    let r = post_file(&anon, "/standards/check/upload", "list.xlsx", &wb.save_to_buffer().unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
});

scenario!(attachment_names_lose_bidirectional_controls, |t: TestApp| async move {
    let staff = t.user_with_roles("bidi_uploader", &[Role::Staff]).await;
    staff.post_form("/staff/articles", &[("kind", "policy"), ("title", "附件名称"), ("body_md", "见附件"), ("status", "published")]).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE title = '附件名称'").fetch_one(&t.app.db.pool).await.unwrap();
    // Shown as "invoiceexe.pdf" by a right-to-left override; really a name ending in ".exe"
    // would be refused, so the PDF here only proves the controls go.
    let r = post_file(&staff, &format!("/staff/articles/{id}/attachments"), "\u{2066}report\u{202E}fdp.\u{200F}pdf\u{2069}", b"%PDF-1.4 x").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let (aid, name): (i64, String) = sqlx::query_as("SELECT id, filename FROM attachments").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(name, "reportfdp.pdf");
    let r = t.client().get(&format!("/attachments/{aid}/x")).await;
    let raw = String::from_utf8_lossy(r.headers["content-disposition"].as_bytes()).to_string();
    let disposition = percent_encoding::percent_decode_str(&raw).decode_utf8_lossy().to_string();
    assert!(disposition.contains("reportfdp.pdf"), "{disposition}");
    assert!(!disposition.chars().any(|c| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')), "{disposition}");
});
