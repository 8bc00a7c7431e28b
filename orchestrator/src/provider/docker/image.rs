//! Content-addressed image builds with the engine's classic builder.
//!
//! The classic builder is used on purpose: it accepts `FROM scratch` with nothing to pull
//! (there is no registry here) and needs no BuildKit session.

use std::collections::{HashMap, VecDeque};

use bollard::errors::Error as BollardError;
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion, RemoveImageOptionsBuilder};
use futures::StreamExt;

use super::DockerProvider;
use crate::image::context::{build_context, BuildContext};
use crate::image::{BuildOutcome, ImageRecipe, ImageRef};
use crate::provider::{ProviderError, Result, LABEL_CONTENT_HASH};

/// Lines of build output kept for an error message.
const OUTPUT_TAIL: usize = 20;

/// Build `recipe`, or reuse the image already tagged with the same content hash.
pub(super) async fn build(p: &DockerProvider, recipe: &ImageRecipe) -> Result<ImageRef> {
    let tag = recipe.tag.clone();
    if tag.is_empty() {
        return Err(ProviderError::Invalid {
            what: "image tag",
            message: "it is empty: give one such as `cr-testnet/validator:local`".to_owned(),
        });
    }
    // Reading a large binary into the tar is blocking file I/O: keep it off the runtime.
    let owned = recipe.clone();
    let context = tokio::task::spawn_blocking(move || build_context(&owned)).await.map_err(|e| {
        ProviderError::Engine { operation: "assemble build context", object: tag.clone(), message: e.to_string() }
    })??;

    let previous = tagged(p, &tag).await?;
    if let Some((id, Some(hash))) = &previous {
        if *hash == context.content_hash {
            tracing::debug!(image = %tag, "image up to date, build skipped");
            return Ok(ImageRef {
                tag,
                id: id.clone(),
                content_hash: context.content_hash,
                outcome: BuildOutcome::Reused,
            });
        }
    }

    let content_hash = context.content_hash.clone();
    run_build(p, &tag, context).await?;
    let id = match tagged(p, &tag).await? {
        Some((id, Some(hash))) if hash == content_hash => id,
        _ => {
            return Err(ProviderError::Build {
                image: tag,
                message: "the build finished but the tagged image lacks its content-hash label".to_owned(),
                output: String::new(),
            })
        }
    };
    if let Some((old, _)) = previous.filter(|(old, _)| *old != id) {
        remove_replaced(p, &tag, &old).await;
    }
    tracing::info!(image = %tag, %id, "image built");
    Ok(ImageRef { tag, id, content_hash, outcome: BuildOutcome::Built })
}

/// Id and content-hash label of the image tagged `tag`, if there is one.
async fn tagged(p: &DockerProvider, tag: &str) -> Result<Option<(String, Option<String>)>> {
    match p.docker.inspect_image(tag).await {
        Ok(image) => {
            let hash = image.config.and_then(|c| c.labels).and_then(|mut l| l.remove(LABEL_CONTENT_HASH));
            Ok(Some((image.id.unwrap_or_default(), hash)))
        }
        Err(BollardError::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
        Err(e) => Err(p.err("inspect image", tag, e)),
    }
}

/// Drop the image a rebuild replaced, so every rebuild of an 80 MB validator image does not
/// leave an untagged copy behind. Not forced: one still used by a container stays.
async fn remove_replaced(p: &DockerProvider, tag: &str, old: &str) {
    let options = RemoveImageOptionsBuilder::default().force(false).build();
    if let Err(e) = p.docker.remove_image(old, Some(options), None).await {
        tracing::debug!(image = %tag, %old, error = %e, "replaced image kept");
    }
}

/// Send the context to `/build` and follow the output until the builder is done.
async fn run_build(p: &DockerProvider, tag: &str, context: BuildContext) -> Result<()> {
    let labels = HashMap::from([(LABEL_CONTENT_HASH, context.content_hash.as_str())]);
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(tag)
        .rm(true)
        .forcerm(true)
        .labels(&labels)
        .version(BuilderVersion::BuilderV1)
        .build();
    let body = bollard::body_full(context.tar.into());
    let mut output = p.docker.build_image(options, None, Some(body));
    let mut tail: VecDeque<String> = VecDeque::with_capacity(OUTPUT_TAIL);
    while let Some(item) = output.next().await {
        match item {
            Ok(info) => {
                for line in info.stream.iter().flat_map(|s| s.lines()) {
                    let line = line.trim_end();
                    if line.is_empty() {
                        continue;
                    }
                    tracing::debug!(image = %tag, "{line}");
                    if tail.len() == OUTPUT_TAIL {
                        tail.pop_front();
                    }
                    tail.push_back(line.to_owned());
                }
            }
            Err(BollardError::DockerStreamError { error }) => {
                return Err(ProviderError::Build {
                    image: tag.to_owned(),
                    message: error,
                    output: Vec::from(tail).join("\n"),
                })
            }
            Err(e) => return Err(p.err("build image", tag, e)),
        }
    }
    Ok(())
}
