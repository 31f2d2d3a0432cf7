//! Sums per key, the building block of breakdowns and series: a usage's attributes in the
//! order summaries keep them, and rows per attribute value.

use crate::amount::Amount;
use crate::entry::Usage;
use crate::error::{DomainError, Result};
use crate::ids::{CategoryId, FeatureId, Label, MemberId, ProjectId, TierId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The key breakdowns use for entries without the attribute.
pub const NONE_KEY: &str = "";

/// The attributes summaries break usage down by, in the order they are kept.
pub(crate) const ATTRIBUTES: usize = 6;

/// A usage's attributes in summary order: category, feature, engine, member, tier, project.
pub(crate) fn attribute_keys(u: &Usage) -> [Option<&str>; ATTRIBUTES] {
    [
        u.category.as_ref().map(CategoryId::as_str),
        u.feature.as_ref().map(FeatureId::as_str),
        u.engine.as_ref().map(Label::as_str),
        u.member.as_ref().map(MemberId::as_str),
        u.tier.as_ref().map(TierId::as_str),
        u.project.as_ref().map(ProjectId::as_str),
    ]
}

/// A line of a breakdown table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreakdownRow {
    /// The attribute's id ([`NONE_KEY`] when entries lack it).
    pub key: String,
    pub used: Amount,
    pub count: u32,
}

pub(crate) fn to_amount(sum: i128) -> Result<Amount> {
    i64::try_from(sum)
        .map(Amount::minor)
        .map_err(|_| DomainError::Overflow)
}

/// Sums per key, in first-seen order.
///
/// Ids are shared `Arc<str>`s, so most lookups are answered by the key's address from a small
/// direct-mapped cache; text hashing is the fallback (and decides, so equal text in different
/// allocations still lands in one row).
pub(crate) struct Tally<'a> {
    recent: [(usize, usize, usize); 64],
    slots: HashMap<&'a str, usize, BuildHasherDefault<FxHasher>>,
    pub(crate) rows: Vec<(&'a str, i128, u32)>,
}

impl Default for Tally<'_> {
    fn default() -> Self {
        Tally {
            recent: [(0, 0, 0); 64],
            slots: HashMap::default(),
            rows: Vec::new(),
        }
    }
}

impl<'a> Tally<'a> {
    pub(crate) fn add(&mut self, key: &'a str, used: i128, jobs: u32) -> usize {
        let ptr = key.as_ptr() as usize;
        let line = (ptr >> 4 ^ ptr >> 10) & 63;
        let (p, len, cached) = self.recent[line];
        let slot = if p == ptr && len == key.len() {
            cached
        } else {
            let next = self.rows.len();
            let slot = *self.slots.entry(key).or_insert(next);
            if slot == next {
                self.rows.push((key, 0, 0));
            }
            self.recent[line] = (ptr, key.len(), slot);
            slot
        };
        let row = &mut self.rows[slot];
        row.1 += used;
        row.2 += jobs;
        slot
    }

    pub(crate) fn into_rows(self) -> Result<Vec<BreakdownRow>> {
        let mut rows = self
            .rows
            .into_iter()
            .map(|(key, used, count)| {
                Ok(BreakdownRow {
                    key: key.to_string(),
                    used: to_amount(used)?,
                    count,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        rows.sort_by(|a, b| b.used.cmp(&a.used).then_with(|| a.key.cmp(&b.key)));
        Ok(rows)
    }
}

/// The multiply-rotate hash rustc uses for its own tables: a few cycles per word.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
