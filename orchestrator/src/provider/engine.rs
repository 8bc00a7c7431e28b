//! Choosing and reaching an engine: one local engine, or a Docker Swarm through its manager.

use super::{DockerProvider, Provider, Result, SwarmProvider};
use crate::image::ImageBuilder;

/// Environment variable naming a swarm manager's engine endpoint when a topology's
/// `engine.manager` is left out, in the spirit of `DOCKER_HOST`.
pub const SWARM_MANAGER_ENV: &str = "CR_SWARM_MANAGER";

/// Which engine a testnet runs on.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EngineChoice {
    /// The one engine `DOCKER_HOST` names (the local socket when unset).
    #[default]
    Local,
    /// A Docker Swarm; `manager` is a manager's engine endpoint (`unix://...`, `tcp://...`),
    /// `None` for the one in `CR_SWARM_MANAGER`.
    Swarm {
        /// The manager's endpoint.
        manager: Option<String>,
    },
}

impl EngineChoice {
    /// The optional powers of this kind of engine, known without connecting (what `check`
    /// refuses scenarios by).
    pub fn capabilities(&self) -> super::Capabilities {
        match self {
            Self::Local => super::docker::capabilities(),
            Self::Swarm { .. } => super::swarm::capabilities(),
        }
    }

    /// Short name for messages.
    pub fn runtime(&self) -> &'static str {
        match self {
            Self::Local => "docker",
            Self::Swarm { .. } => "swarm",
        }
    }
}

/// A connected engine and the builder that makes the images it runs.
pub struct Engine {
    /// Runs the testnet's containers.
    pub provider: Box<dyn Provider>,
    /// Builds images on the local engine; the provider stages them where it needs them.
    pub builder: Box<dyn ImageBuilder>,
    /// The choice with every endpoint resolved (a swarm's manager from the environment), as
    /// a state file keeps it for later commands.
    pub choice: EngineChoice,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("runtime", &self.provider.runtime()).finish_non_exhaustive()
    }
}

impl Engine {
    /// Connect to the chosen engine (and to the local one, which builds images).
    pub async fn connect(choice: &EngineChoice) -> Result<Self> {
        let local = DockerProvider::connect().await?;
        match choice {
            EngineChoice::Local => {
                let builder = DockerProvider::connect().await?;
                Ok(Self { provider: Box::new(local), builder: Box::new(builder), choice: EngineChoice::Local })
            }
            EngineChoice::Swarm { manager } => {
                let swarm = SwarmProvider::connect(manager.as_deref(), local).await?;
                let choice = EngineChoice::Swarm { manager: Some(swarm.manager().host().to_owned()) };
                Ok(Self { provider: Box::new(swarm), builder: Box::new(DockerProvider::connect().await?), choice })
            }
        }
    }
}
