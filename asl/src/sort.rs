//! Stable sorting through one instantiation of the standard library's sort, for the browser
//! bundle's size.
//!
//! `slice::sort_by` is generic over the element and the comparison, so every call site with
//! its own closure compiles its own copy of the sort (4–6 KiB of wasm each; 107 KiB in all in
//! the designer's bundle). [`sort_by`] sorts positions (`usize`) with a `dyn` comparison, so
//! the sort itself is compiled once, and then moves the elements into place. It is as stable
//! as `slice::sort_by` and O(n log n) comparisons plus O(n) moves; each comparison costs an
//! indirect call and an index, which none of asl's and the designer's sorts notice.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal elements in their order (like `slice::sort_by`).
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_positions(&mut order, &mut |a, b| compare(&items[*a], &items[*b]));
    permute(items, &mut order);
}

/// Sorts `items` by the key `key` gives, keeping equal elements in order (like
/// `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` by their order (stable, like `slice::sort`).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// Sorts positions by a comparison of what they point at: the one place the standard sort is
/// instantiated (`usize` elements, a `dyn` comparison).
pub fn sort_positions(order: &mut [usize], compare: &mut dyn FnMut(&usize, &usize) -> Ordering) {
    order.sort_by(compare);
}

/// Rearranges `items` so that position `i` holds what was at `order[i]`, following each cycle
/// of the permutation once. `order` is used up (every entry is marked as placed).
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    const PLACED: usize = usize::MAX;
    for start in 0..order.len() {
        if order[start] == PLACED {
            continue;
        }
        let mut current = start;
        loop {
            let source = order[current];
            order[current] = PLACED;
            if source == start {
                break;
            }
            items.swap(current, source);
            current = source;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the tests need no random crate.
    fn numbers(seed: u64, count: usize, range: u64) -> Vec<u64> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (state >> 33) % range
            })
            .collect()
    }

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        for (seed, count, range) in [(1, 0, 5), (2, 1, 5), (3, 2, 2), (4, 17, 4), (5, 1000, 30), (6, 5000, 1_000_000)] {
            // Pairs of (key, original position): stability shows in the second field.
            let pairs: Vec<(u64, usize)> = numbers(seed, count, range).into_iter().zip(0..).collect();
            let mut expected = pairs.clone();
            expected.sort_by_key(|pair| pair.0);
            let mut actual = pairs;
            sort_by_key(&mut actual, |pair| pair.0);
            assert_eq!(actual, expected, "seed {seed}, {count} items");
        }
    }

    #[test]
    fn reversed_and_sorted_inputs_and_owned_elements() {
        let mut words: Vec<String> = (0..300).rev().map(|n| format!("w{n:03}")).collect();
        sort(&mut words);
        assert_eq!(words.first().map(String::as_str), Some("w000"));
        assert!(words.windows(2).all(|pair| pair[0] < pair[1]));
        sort_by(&mut words, |a, b| b.cmp(a));
        assert_eq!(words.first().map(String::as_str), Some("w299"));
        assert!(words.windows(2).all(|pair| pair[0] > pair[1]));
    }
}
