//! The draw's pseudo-random generator and shuffle, written here so that no crate upgrade can
//! change a draw: xoshiro256** 1.0 (Blackman and Vigna) with its 256-bit state filled by
//! SplitMix64 from the 64-bit seed, and a partial Fisher–Yates shuffle over the snapshot's
//! order with unbiased bounded numbers (rejection sampling). docs/experts.md describes the
//! algorithm for an auditor who replays a draw by hand or in another language.

/// The name recorded with every draw; a different algorithm gets a different name.
pub const ALGORITHM: &str = "xoshiro256starstar-splitmix64-fisher-yates-v1";

/// SplitMix64 (Steele, Lea, Flood; Vigna's `splitmix64.c`).
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Vigna's `xoshiro256starstar.c`).
#[derive(Debug, Clone)]
pub struct Xoshiro256StarStar {
    s: [u64; 4],
}

impl Xoshiro256StarStar {
    /// The generator with this state (for the published test vectors).
    pub fn from_state(s: [u64; 4]) -> Xoshiro256StarStar {
        Xoshiro256StarStar { s }
    }

    /// The state from four successive outputs of SplitMix64 seeded with `seed`, as the
    /// authors recommend.
    pub fn seeded(seed: u64) -> Xoshiro256StarStar {
        let mut sm = SplitMix64(seed);
        Xoshiro256StarStar { s: [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A number in `0..n` (n ≥ 1) without bias: outputs at or above the largest multiple of
    /// `n` that fits in 2^64 are drawn again; the rest are taken modulo `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        // 2^64 mod n, computed without 128-bit arithmetic.
        let rest = (u64::MAX % n + 1) % n;
        loop {
            let x = self.next_u64();
            // Accept x < 2^64 - rest (every residue equally often).
            if rest == 0 || x < 0u64.wrapping_sub(rest) {
                return x % n;
            }
        }
    }
}

/// The first `take` positions of a Fisher–Yates shuffle of `0..len`: for i = 0, 1, …, take-1,
/// j = i + below(len - i) and positions i and j are swapped; answers the indices now at
/// positions 0..take (fewer when the pool is smaller).
pub fn pick(seed: u64, len: usize, take: usize) -> Vec<usize> {
    let mut rng = Xoshiro256StarStar::seeded(seed);
    let mut order: Vec<usize> = (0..len).collect();
    let take = take.min(len);
    for i in 0..take {
        let j = i + rng.below((len - i) as u64) as usize;
        order.swap(i, j);
    }
    order.truncate(take);
    order
}

/// A fresh seed from the operating system, below 2^53 so that it is exact in any JSON reader.
pub fn fresh_seed() -> u64 {
    use rand::RngCore;
    rand::rngs::OsRng.next_u64() >> 11
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published vectors of SplitMix64: the test `reference` of the rand_xoshiro crate,
    /// produced with Vigna's `splitmix64.c`, seed 1477776061723855037 (first ten of fifty).
    #[test]
    fn splitmix64_reference_vectors() {
        let mut sm = SplitMix64(1477776061723855037);
        let expected: [u64; 10] = [
            1985237415132408290,
            2979275885539914483,
            13511426838097143398,
            8488337342461049707,
            15141737807933549159,
            17093170987380407015,
            16389528042912955399,
            13177319091862933652,
            10841969400225389492,
            17094824097954834098,
        ];
        for e in expected {
            assert_eq!(sm.next_u64(), e);
        }
    }

    /// The published vectors of xoshiro256** from the state {1, 2, 3, 4} (the reference
    /// C implementation's output, as the C++ and Rust ports test it).
    #[test]
    fn xoshiro256starstar_reference_vectors() {
        let mut x = Xoshiro256StarStar::from_state([1, 2, 3, 4]);
        let expected: [u64; 10] = [
            11520,
            0,
            1509978240,
            1215971899390074240,
            1216172134540287360,
            607988272756665600,
            16172922978634559625,
            8476171486693032832,
            10595114339597558777,
            2904607092377533576,
        ];
        for e in expected {
            assert_eq!(x.next_u64(), e);
        }
    }

    #[test]
    fn seeding_uses_four_splitmix_outputs() {
        let mut sm = SplitMix64(1477776061723855037);
        let state = [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()];
        let mut a = Xoshiro256StarStar::seeded(1477776061723855037);
        let mut b = Xoshiro256StarStar::from_state(state);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn below_stays_in_range_and_rejects_the_biased_tail() {
        let mut x = Xoshiro256StarStar::seeded(7);
        for n in [1u64, 2, 3, 7, 10, 1000, u64::MAX / 3 * 2] {
            for _ in 0..200 {
                assert!(x.below(n) < n);
            }
        }
        // With n = 2^63 + 1 about half of all outputs are refused; the answer is still < n.
        let n = (1u64 << 63) + 1;
        for _ in 0..50 {
            assert!(x.below(n) < n);
        }
        // Every residue of a small bound comes up.
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[x.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800 && c < 1200), "{seen:?}");
    }

    /// The draw's own values, recorded so that any change of the sequence is noticed (they
    /// follow from the published vectors above, not published themselves).
    #[test]
    fn pick_is_stable() {
        let a = pick(42, 100, 10);
        assert_eq!(a, pick(42, 100, 10), "the same seed, the same panel");
        assert_ne!(a, pick(43, 100, 10));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 10, "no one twice");
        assert_eq!(pick(1, 3, 10).len(), 3, "a small pool gives what it has");
        assert!(pick(1, 0, 5).is_empty());
        assert_eq!(pick(42, 100, 10), RECORDED_42);
    }

    // Also what the Python replay of docs/experts.md prints for pick(42, 100, 10).
    const RECORDED_42: [usize; 10] = [42, 19, 21, 15, 8, 89, 48, 73, 62, 98];
}
