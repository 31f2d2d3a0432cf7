//! The five products we serve, as configurations: meters, bucket policy, rate card, team, and
//! the shape of their demo history. A product is data here, never a code path.
//!
//! The numbers follow the products' help pages (packs of 2,000/5,000/10,000/25,000 for
//! VideoGen, Draft→4K "roughly doubling" for ACT3, a USD balance for Foto Master, …); where a
//! page is silent they are plausible values, chosen once.

mod act3;
mod fotomaster;
mod lucas;
mod ngram;
mod parts;
mod product;
mod profile;
mod videogen;

pub use product::ProductConfig;
pub use profile::{DemoFeature, DemoProfile, DescriptionStyle};

use crate::config::AccountConfig;
use crate::error::{DomainError, Result};
use crate::ratecard::RateCard;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PresetId {
    Lucas,
    Ngram,
    Videogen,
    Act3,
    Fotomaster,
}

impl PresetId {
    pub const ALL: [PresetId; 5] = [
        PresetId::Lucas,
        PresetId::Ngram,
        PresetId::Videogen,
        PresetId::Act3,
        PresetId::Fotomaster,
    ];

    /// The demo a URL without a (known) preset opens, on the demo store and the server alike.
    pub const DEFAULT: PresetId = PresetId::Videogen;

    /// The preset a start-up URL names, or the default with what was wrong.
    pub fn from_url(slug: Option<&str>) -> (PresetId, Option<String>) {
        match slug {
            None => (PresetId::DEFAULT, None),
            Some(s) => match s.parse() {
                Ok(p) => (p, None),
                Err(_) => (
                    PresetId::DEFAULT,
                    Some(format!(
                        "There is no product preset “{s}”; showing the {} demo.",
                        PresetId::DEFAULT.slug()
                    )),
                ),
            },
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            PresetId::Lucas => "lucas",
            PresetId::Ngram => "ngram",
            PresetId::Videogen => "videogen",
            PresetId::Act3 => "act3",
            PresetId::Fotomaster => "fotomaster",
        }
    }
}

impl FromStr for PresetId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self> {
        PresetId::ALL
            .into_iter()
            .find(|p| p.slug() == s)
            .ok_or_else(|| {
                DomainError::InvalidConfig(format!("“{s}” is not a known product preset"))
            })
    }
}

impl fmt::Display for PresetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// What the demo runs: one of the five presets, or a host's own product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    Preset(PresetId),
    Custom(Box<ProductConfig>),
}

impl From<PresetId> for Product {
    fn from(id: PresetId) -> Self {
        Product::Preset(id)
    }
}

impl Product {
    /// The preset, for one of the five.
    pub fn preset_id(&self) -> Option<PresetId> {
        match self {
            Product::Preset(id) => Some(*id),
            Product::Custom(_) => None,
        }
    }

    /// Its configuration and demo rhythm (a custom one is checked first).
    pub fn load(&self) -> Result<Preset> {
        match self {
            Product::Preset(id) => Preset::get(*id),
            Product::Custom(config) => {
                config.validate()?;
                Ok(config.preset())
            }
        }
    }
}

/// A product: its account, its rate card and its demo rhythm.
#[derive(Debug, Clone)]
pub struct Preset {
    /// Which of the five (none: a host's own product).
    pub id: Option<PresetId>,
    pub config: AccountConfig,
    pub rate_card: RateCard,
    pub demo: DemoProfile,
}

impl Preset {
    /// The preset's configuration; fails only when its timezone is unknown to the host.
    pub fn get(id: PresetId) -> Result<Preset> {
        match id {
            PresetId::Lucas => lucas::lucas(),
            PresetId::Ngram => ngram::ngram(),
            PresetId::Videogen => videogen::videogen(),
            PresetId::Act3 => act3::act3(),
            PresetId::Fotomaster => fotomaster::fotomaster(),
        }
    }
}
