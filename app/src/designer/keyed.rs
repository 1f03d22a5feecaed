//! A value per key, each in a signal of its own, for what the canvas draws per state or edge.

use std::collections::HashMap;

use leptos::prelude::*;

/// A value per key, a signal each: setting them wakes only the keys whose value changed. One
/// signal read by every state and edge instead woke all of them on any change, and each of the
/// 1,200 of a 500-state graph then left its subscribers (an `IndexSet`, removed from in O(n))
/// and joined them again.
pub(crate) struct Keyed<K, V> {
    signals: StoredValue<HashMap<K, ArcRwSignal<V>>>,
}

impl<K, V> Clone for Keyed<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for Keyed<K, V> {}

impl<K, V> Keyed<K, V>
where
    K: Eq + std::hash::Hash + Clone + Send + Sync + 'static,
    V: Clone + Default + PartialEq + Send + Sync + 'static,
{
    pub(crate) fn new() -> Self {
        Keyed { signals: StoredValue::new(HashMap::new()) }
    }

    /// The signal of `key`, starting at `first()` when the key is new.
    pub(crate) fn signal(self, key: &K, first: impl FnOnce() -> V) -> RwSignal<V> {
        let signal = self.signals.try_update_value(|signals| {
            signals.entry(key.clone()).or_insert_with(|| ArcRwSignal::new(first())).clone()
        });
        // (No store once the canvas is gone: a signal of its own.)
        RwSignal::from(signal.unwrap_or_default())
    }

    /// Gives each key of `values` its value. The other keys get `others`, or with none are
    /// forgotten (what still shows them keeps their last value until it goes).
    pub(crate) fn follow(self, values: HashMap<K, V>, others: Option<V>) {
        self.follow_by(values, others, |shown, value| shown == value);
    }

    /// [`Keyed::follow`], where a key keeps what it shows while `same(shown, value)`.
    pub(crate) fn follow_by(self, values: HashMap<K, V>, others: Option<V>, same: impl Fn(&V, &V) -> bool) {
        self.signals.update_value(|signals| {
            match &others {
                None => signals.retain(|key, _| values.contains_key(key)),
                Some(other) => {
                    for (key, signal) in signals.iter() {
                        if !values.contains_key(key) && signal.with_untracked(|shown| !same(shown, other)) {
                            signal.set(other.clone());
                        }
                    }
                }
            }
            for (key, value) in values {
                match signals.get(&key) {
                    Some(signal) if signal.with_untracked(|shown| !same(shown, &value)) => signal.set(value),
                    Some(_) => {}
                    None => {
                        signals.insert(key, ArcRwSignal::new(value));
                    }
                }
            }
        });
    }
}
