//! Building images, apart from running them: a recipe (a Dockerfile and its context files)
//! becomes a tagged image on a builder's engine. A provider then runs what a builder made; for an
//! engine spanning several hosts the provider also stages the images on each host.

pub mod context;

use async_trait::async_trait;

use crate::provider::{FileEntry, ProviderError, Result};

/// Something that turns recipes into images: today the local Docker engine's classic builder.
#[async_trait]
pub trait ImageBuilder: Send + Sync {
    /// Build an image from a recipe, or reuse the existing one when its content hash matches.
    async fn build_image(&self, recipe: &ImageRecipe) -> Result<ImageRef>;
}

/// How to build an image: a Dockerfile and the files of its build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecipe {
    /// Tag to give the image, e.g. `cr-testnet/validator:local`.
    pub tag: String,
    /// Dockerfile text (it becomes `Dockerfile` at the context root).
    pub dockerfile: String,
    /// Context files, at their path inside the context (`rootfs/usr/local/bin/cr-node`).
    pub context: Vec<FileEntry>,
}

impl ImageRecipe {
    /// Read `images/<name>/Dockerfile` under `images_dir`.
    pub fn from_images_dir(
        images_dir: &std::path::Path,
        name: &str,
        tag: impl Into<String>,
        context: Vec<FileEntry>,
    ) -> Result<Self, ProviderError> {
        let path = images_dir.join(name).join("Dockerfile");
        let dockerfile = std::fs::read_to_string(&path).map_err(|source| ProviderError::Io {
            path: path.clone(),
            purpose: "the image recipe",
            source,
        })?;
        Ok(Self { tag: tag.into(), dockerfile, context })
    }
}

/// Whether [`build_image`](ImageBuilder::build_image) ran a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildOutcome {
    /// The recipe changed (or no image existed): a new image was built.
    Built,
    /// An image with this tag and the same content hash existed and was kept.
    Reused,
}

/// A built (or reused) image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Tag.
    pub tag: String,
    /// Runtime id (`sha256:...`).
    pub id: String,
    /// Hex Blake2-256 of the recipe.
    pub content_hash: String,
    /// Built or reused.
    pub outcome: BuildOutcome,
}
