//! The testnet network and fault injection by (dis)connecting containers.

use std::collections::HashMap;

use bollard::models::{EndpointSettings, NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest};

use super::{check_own_network, DockerProvider};
use crate::provider::error::check_name;
use crate::provider::{network_name, ContainerRef, NetworkRef, Result, LABEL_TESTNET};

/// Return network `segment` of the testnet, creating it when missing.
pub(super) async fn ensure(p: &DockerProvider, testnet: &str, segment: usize) -> Result<NetworkRef> {
    check_name("testnet name", testnet, false)?;
    let name = network_name(testnet, segment);
    let _serial = p.network_lock.lock().await;
    match p.docker.inspect_network(&name, None).await {
        Ok(existing) => {
            check_own_network(existing.labels.as_ref(), testnet, &name, "")?;
            Ok(NetworkRef { testnet: testnet.to_owned(), id: existing.id.unwrap_or_default(), name })
        }
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
            let request = NetworkCreateRequest {
                name: name.clone(),
                driver: Some("bridge".to_owned()),
                labels: Some(HashMap::from([(LABEL_TESTNET.to_owned(), testnet.to_owned())])),
                ..Default::default()
            };
            let created = p.docker.create_network(request).await.map_err(|e| p.err("create network", &name, e))?;
            Ok(NetworkRef { testnet: testnet.to_owned(), id: created.id, name })
        }
        Err(e) => Err(p.err("inspect network", &name, e)),
    }
}

/// Attach a container, under its node name as DNS alias so peers find it as before.
pub(super) async fn connect(p: &DockerProvider, c: &ContainerRef, net: &NetworkRef) -> Result<()> {
    let request = NetworkConnectRequest {
        container: c.name.clone(),
        endpoint_config: Some(EndpointSettings { aliases: Some(vec![c.node.clone()]), ..Default::default() }),
    };
    p.docker.connect_network(&net.name, request).await.map_err(|e| p.err("connect to network", &c.name, e))
}

/// Detach a container; `force` so it works on a paused or stopped container too.
pub(super) async fn disconnect(p: &DockerProvider, c: &ContainerRef, net: &NetworkRef) -> Result<()> {
    let request = NetworkDisconnectRequest { container: c.name.clone(), force: Some(true) };
    p.docker.disconnect_network(&net.name, request).await.map_err(|e| p.err("disconnect from network", &c.name, e))
}
