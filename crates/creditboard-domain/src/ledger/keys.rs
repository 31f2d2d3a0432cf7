//! The idempotency index: which entry each client operation key wrote first, so a repeated
//! operation is answered instead of run again.

use super::Ledger;
use crate::entry::{EntryId, Operation, Receipt};
use crate::error::{DomainError, Result};
use std::hash::{BuildHasher, Hasher};

/// The entries one key hash leads to: almost always one; several only on a 64-bit hash
/// collision.
#[derive(Debug, Clone)]
pub(super) enum KeyHits {
    One(usize),
    Many(Vec<usize>),
}

/// The index keys are already hashes.
#[derive(Default)]
pub(super) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Ledger {
    pub(super) fn replayed(&self, op: &Operation, first: usize) -> Result<Receipt> {
        let key = op.key();
        // The key's entries follow each other, held or lent.
        let run = (first..)
            .map_while(|p| self.at_position(p))
            .take_while(|e| &e.key == key || e.key.is_derived_from(key));
        let mut count = 0u32;
        let mut primary = None;
        for e in run {
            count += 1;
            if &e.key == key {
                primary = Some(e);
            }
        }
        // A refund repeated without a description is compared with its charge's.
        if let Some(of) = op.refers_to() {
            self.reach(of)?;
        }
        let differs = match primary {
            Some(p) => self.first_difference(op, p),
            None => Some("its entry is missing".to_string()),
        };
        match differs {
            None => Ok(Receipt {
                first: EntryId(first as u64 + 1),
                count,
                replayed: true,
            }),
            Some(differs) => Err(DomainError::IdempotencyConflict {
                key: key.to_string(),
                differs,
            }),
        }
    }

    fn hash_key(&self, key: &str) -> u64 {
        self.key_hasher.hash_one(key)
    }

    /// The first entry an operation key wrote, among those held or lent.
    pub(super) fn indexed(&self, key: &str) -> Option<usize> {
        let is_it = |&p: &usize| {
            self.at_position(p)
                .is_some_and(|e| e.key.operation_key() == Some(key))
        };
        match self.index.get(&self.hash_key(key))? {
            KeyHits::One(i) => Some(*i).filter(is_it),
            KeyHits::Many(list) => list.iter().copied().find(is_it),
        }
    }

    /// A lent entry came before the one indexed for its key: it is the key's first.
    pub(super) fn reindex_key(&mut self, key: &str, position: usize) {
        if let Some(old) = self.indexed(key) {
            self.unindex_key(key, old);
        }
        self.index_new_key(key, position);
    }

    /// Drops one position from a key's index entry (a lent entry forgotten).
    pub(super) fn unindex_key(&mut self, key: &str, position: usize) {
        let h = self.hash_key(key);
        let emptied = match self.index.get_mut(&h) {
            Some(KeyHits::One(i)) => *i == position,
            Some(KeyHits::Many(list)) => {
                list.retain(|&p| p != position);
                list.is_empty()
            }
            None => false,
        };
        if emptied {
            self.index.remove(&h);
        }
    }

    /// Records where a key's first entry is; the key must not be indexed yet.
    pub(super) fn index_new_key(&mut self, key: &str, entry: usize) {
        let h = self.hash_key(key);
        match self.index.get_mut(&h) {
            None => {
                self.index.insert(h, KeyHits::One(entry));
            }
            // A 64-bit collision between different keys: keep both.
            Some(hits) => {
                let list = match hits {
                    KeyHits::One(i) => vec![*i, entry],
                    KeyHits::Many(list) => {
                        list.push(entry);
                        return;
                    }
                };
                *hits = KeyHits::Many(list);
            }
        }
    }
}
