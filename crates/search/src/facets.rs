//! Facet counting. Counts, for each requested root facet, the matching documents under each
//! of its children.
//!
//! tantivy's `FacetCollector` maps every term of a segment's facet dictionary to its
//! collapsed child on every search, walking the dictionary from its first term: its cost
//! grows with the number of distinct facet values in the index (thousands of HS codes and
//! deadline days), not with the number of hits. Here the mapping of one root in one segment
//! is built once by walking only that root's range of the dictionary (its terms are
//! consecutive) and kept while the segment lives (segments never change), so a search only
//! counts.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::schema::Facet;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Entries kept at most; drill-down roots (`ics:65.160`) are chosen by the user, so the
/// cache is emptied when it grows past this.
const MAX_ENTRIES: usize = 512;

/// The children of one root facet in one segment: the term ordinals `lo..lo + slot.len()`
/// are the root's descendants, `slot[ord - lo]` is the index of the child they fall under.
struct RootMap {
    lo: u64,
    slot: Vec<u32>,
    children: Vec<String>,
}

impl RootMap {
    fn build(reader: &FacetReader, root: &Facet) -> tantivy::Result<RootMap> {
        // A child of `root` is encoded as root, 0 byte, child; 0 sorts before 1, so the
        // descendants are exactly the keys in [root\0, root\1).
        let prefix = root.encoded_str().as_bytes();
        let mut lo_key = prefix.to_vec();
        let mut hi_key = prefix.to_vec();
        if !prefix.is_empty() {
            lo_key.push(0);
            hi_key.push(1);
        }
        let dict = reader.facet_dict();
        let mut range = dict.range().ge(&lo_key);
        if !prefix.is_empty() {
            range = range.lt(&hi_key);
        }
        let mut stream = range.into_stream()?;
        let mut map = RootMap { lo: 0, slot: Vec::new(), children: Vec::new() };
        let skip = lo_key.len();
        while stream.advance() {
            if map.slot.is_empty() {
                map.lo = stream.term_ord();
            }
            let suffix = &stream.key()[skip.min(stream.key().len())..];
            let end = suffix.iter().position(|b| *b == 0).unwrap_or(suffix.len());
            let child = String::from_utf8_lossy(&suffix[..end]);
            if map.children.last().map(String::as_str) != Some(child.as_ref()) {
                map.children.push(child.into_owned());
            }
            map.slot.push((map.children.len() - 1) as u32);
        }
        Ok(map)
    }
}

/// Root maps per (segment, root), shared by the searches of one index.
#[derive(Default)]
pub(crate) struct FacetCache {
    maps: Mutex<HashMap<(SegmentId, String), Arc<RootMap>>>,
}

impl FacetCache {
    fn get(&self, reader: &SegmentReader, facets: &FacetReader, root: &Facet) -> tantivy::Result<Arc<RootMap>> {
        let key = (reader.segment_id(), root.encoded_str().to_string());
        if let Some(m) = self.lock().get(&key) {
            return Ok(m.clone());
        }
        let m = Arc::new(RootMap::build(facets, root)?);
        let mut maps = self.lock();
        if maps.len() >= MAX_ENTRIES {
            maps.clear();
        }
        maps.insert(key, m.clone());
        Ok(m)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(SegmentId, String), Arc<RootMap>>> {
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets the segments that are gone (after a commit and reload).
    pub(crate) fn retain(&self, live: &HashSet<SegmentId>) {
        self.lock().retain(|(seg, _), _| live.contains(seg));
    }
}

/// Counts documents per child of each root; the fruit is one map (child → count) per root,
/// in the order given.
pub(crate) struct FacetCounter<'a> {
    pub field: &'a str,
    pub roots: Vec<Facet>,
    pub cache: &'a FacetCache,
}

pub(crate) struct SegmentCounter {
    reader: FacetReader,
    maps: Vec<Arc<RootMap>>,
    counts: Vec<Vec<u64>>,
    seen: Vec<u32>,
}

impl Collector for FacetCounter<'_> {
    type Fruit = Vec<BTreeMap<String, u64>>;
    type Child = SegmentCounter;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentCounter> {
        let reader = segment.facet_reader(self.field)?;
        let maps = self.roots.iter().map(|r| self.cache.get(segment, &reader, r)).collect::<tantivy::Result<Vec<_>>>()?;
        let counts = maps.iter().map(|m| vec![0u64; m.children.len()]).collect();
        Ok(SegmentCounter { reader, maps, counts, seen: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<BTreeMap<String, u64>>>) -> tantivy::Result<Self::Fruit> {
        let mut out = vec![BTreeMap::new(); self.roots.len()];
        for fruit in fruits {
            for (acc, counts) in out.iter_mut().zip(fruit) {
                for (child, n) in counts {
                    *acc.entry(child).or_insert(0) += n;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Vec<BTreeMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (i, m) in self.maps.iter().enumerate() {
            // A document counts once per child, however many descendants it has there.
            self.seen.clear();
            for ord in self.reader.facet_ords(doc) {
                let Some(k) = ord.checked_sub(m.lo) else { continue };
                if let Some(&s) = m.slot.get(k as usize)
                    && !self.seen.contains(&s)
                {
                    self.seen.push(s);
                    self.counts[i][s as usize] += 1;
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.maps
            .iter()
            .zip(self.counts)
            .map(|(m, counts)| {
                counts.into_iter().enumerate().filter(|(_, n)| *n > 0).map(|(s, n)| (m.children[s].clone(), n)).collect()
            })
            .collect()
    }
}
