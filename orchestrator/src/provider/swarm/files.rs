//! Images without a registry: the locally built images copied to every host that lacks them,
//! and each node's files baked into one more layer on the hosts that may run it.

use std::sync::Arc;

use bollard::query_parameters::ImportImageOptions;
use futures::StreamExt;

use super::hosts::Host;
use super::SwarmProvider;
use crate::image::{ImageBuilder, ImageRecipe, ImageRef};
use crate::provider::docker::map_error;
use crate::provider::{ContainerSpec, FileEntry, ProviderError, Result, LABEL_TESTNET};

/// Copy every image to every Ready host whose copy is missing or differs (image ids compared).
pub(super) async fn stage(p: &SwarmProvider, images: &[ImageRef]) -> Result<()> {
    for image in images {
        let mut tar: Option<bytes::Bytes> = None;
        for host in p.hosts.all().iter().filter(|h| h.ready) {
            if host_image_id(host, &image.tag).await?.as_deref() == Some(image.id.as_str()) {
                continue;
            }
            if tar.is_none() {
                tar = Some(export(p, &image.tag).await?);
            }
            let bytes = tar.clone().unwrap_or_default();
            tracing::info!(image = %image.tag, host = %host.name, mib = bytes.len() >> 20, "staging image");
            import(host, &image.tag, bytes).await?;
            match host_image_id(host, &image.tag).await? {
                Some(id) if id == image.id => {}
                other => {
                    return Err(ProviderError::Engine {
                        operation: "stage image",
                        object: format!("{} on host {}", image.tag, host.name),
                        message: format!("after loading it the host has {other:?}, not {}", image.id),
                    })
                }
            }
        }
    }
    Ok(())
}

/// The image id `tag` has on `host`, if it has the image.
async fn host_image_id(host: &Host, tag: &str) -> Result<Option<String>> {
    let engine = host.engine().await?;
    match engine.client().inspect_image(tag).await {
        Ok(image) => Ok(image.id),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
        Err(e) => Err(map_error(engine.host(), "inspect image", tag, e)),
    }
}

async fn export(p: &SwarmProvider, tag: &str) -> Result<bytes::Bytes> {
    let mut out = Vec::new();
    let mut stream = p.local.client().export_image(tag);
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.map_err(|e| map_error(p.local.host(), "export image", tag, e))?);
    }
    Ok(out.into())
}

async fn import(host: &Host, tag: &str, tar: bytes::Bytes) -> Result<()> {
    let engine = host.engine().await?;
    let options = ImportImageOptions { quiet: true, ..Default::default() };
    let mut stream = engine.client().import_image(options, bollard::body_full(tar), None);
    while let Some(step) = stream.next().await {
        let step = step.map_err(|e| map_error(engine.host(), "load image", tag, e))?;
        if let Some(error) = step.error_detail.and_then(|d| d.message) {
            return Err(ProviderError::Engine { operation: "load image", object: tag.to_owned(), message: error });
        }
    }
    Ok(())
}

/// The image a node's service runs: its base image when it has no files, else the base plus
/// one layer holding them, built on every host in `hosts` (each must hold the base image).
pub(super) async fn node_image(spec: &ContainerSpec, hosts: &[Arc<Host>]) -> Result<String> {
    for host in hosts {
        if host_image_id(host, &spec.image).await?.is_none() {
            return Err(ProviderError::ImageMissingOnHost { image: spec.image.clone(), host: host.name.clone() });
        }
    }
    if spec.files.is_empty() {
        return Ok(spec.image.clone());
    }
    let recipe = ImageRecipe {
        tag: format!("crt-files/{}.{}:local", spec.testnet, spec.node),
        dockerfile: format!("FROM {}\nLABEL {LABEL_TESTNET}={}\nCOPY files/ /\n", spec.image, spec.testnet),
        context: spec
            .files
            .iter()
            .map(|f| FileEntry { path: format!("files/{}", f.path.trim_start_matches('/')), ..f.clone() })
            .collect(),
    };
    for host in hosts {
        host.engine().await?.build_image(&recipe).await?;
    }
    Ok(recipe.tag)
}
