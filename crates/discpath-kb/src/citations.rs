//! Which sources a recommendation cites: a small bit set over the knowledge base's sources, so
//! that collecting the cited sources of every rule that fired costs a few word operations.

/// The most sources a knowledge base may have.
pub const MAX_SOURCES: usize = 256;

/// A set of source indices (into [`crate::KnowledgeBase::sources`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceSet([u64; MAX_SOURCES / 64]);

impl SourceSet {
    /// Adds a source; indices of [`MAX_SOURCES`] or more are ignored (loading rejects them).
    pub fn insert(&mut self, index: usize) {
        if let Some(word) = self.0.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }

    /// Adds every source of `other`.
    pub fn union(&mut self, other: &Self) {
        for (word, other) in self.0.iter_mut().zip(other.0) {
            *word |= other;
        }
    }

    /// Whether the set holds a source.
    pub fn contains(&self, index: usize) -> bool {
        self.0.get(index / 64).is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// The indices in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(word_index, word)| {
            let mut bits = *word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(word_index * 64 + bit)
            })
        })
    }
}
