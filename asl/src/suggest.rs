//! "Did you mean": the known word a misspelt one most likely stands for, behind the
//! validator's quick fixes (`Nxt` → `Next`, a transition to `Shp` → `Ship`).

/// The candidate `word` most likely misspells: the one fewest edits away (ignoring case; a
/// swap of two neighbouring letters is one edit), when that is few enough for the word's
/// length and no other candidate is as near. `None` when nothing is near or two are equally
/// near: a guess between two is left to a person.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    let allowed = match word.len() {
        0 => return None,
        1..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    let mut tied = false;
    for candidate in candidates {
        let lowered: Vec<char> = candidate.chars().flat_map(char::to_lowercase).collect();
        // A candidate much shorter than the word is a different word, not a misspelling of it.
        if lowered.len() * 2 < word.len() || word.len() * 2 < lowered.len() {
            continue;
        }
        let distance = edit_distance(&word, &lowered);
        if distance > allowed {
            continue;
        }
        match best {
            Some((nearest, _)) if distance > nearest => {}
            Some((nearest, _)) if distance == nearest => tied = true,
            _ => {
                best = Some((distance, candidate));
                tied = false;
            }
        }
    }
    if tied { None } else { best.map(|(_, candidate)| candidate) }
}

/// Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`: the optimal string
/// alignment distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    // Three rows of the table: two back (for swaps), the previous and the current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut cost = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cost = cost.min(before[j - 2] + 1);
            }
            current[j] = cost;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        edit_distance(&a, &b)
    }

    #[test]
    fn counts_inserts_deletes_substitutions_and_swaps_as_one_edit_each() {
        assert_eq!(distance("Next", "Next"), 0);
        assert_eq!(distance("Nxt", "Next"), 1);
        assert_eq!(distance("Nexxt", "Next"), 1);
        assert_eq!(distance("Nest", "Next"), 1);
        assert_eq!(distance("Nxet", "Next"), 1);
        assert_eq!(distance("", "End"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_the_one_nearest_field() {
        let fields = ["Next", "End", "Resource", "ResultPath", "TimeoutSeconds", "Retry", "Catch"];
        assert_eq!(closest("Nxt", fields), Some("Next"));
        assert_eq!(closest("next", fields), Some("Next"));
        assert_eq!(closest("resultpath", fields), Some("ResultPath"));
        assert_eq!(closest("Timeoutseconds", fields), Some("TimeoutSeconds"));
        assert_eq!(closest("TimeOutSecond", fields), Some("TimeoutSeconds"));
        assert_eq!(closest("Retyr", fields), Some("Retry"));
        assert_eq!(closest("Ctach", fields), Some("Catch"));
        assert_eq!(closest("Ressource", fields), Some("Resource"));
    }

    #[test]
    fn leaves_far_and_tied_words_alone() {
        let fields = ["Next", "End", "Resource"];
        assert_eq!(closest("Foo", fields), None, "nothing is near");
        assert_eq!(closest("Parameters", fields), None, "a real field of another state type");
        assert_eq!(closest("", fields), None);
        // "Ship" is one edit from both; which was meant cannot be told.
        assert_eq!(closest("Ship", ["Shop", "Slip"]), None);
        assert_eq!(closest("Shp", ["Ship", "Shop"]), None);
        assert_eq!(closest("Shp", ["Ship", "Refund"]), Some("Ship"));
    }
}
