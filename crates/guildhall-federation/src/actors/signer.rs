//! The keys our requests are signed with.

use super::StoredActor;
use crate::urls::Local;
use crate::{Context, FedData, FedError};
use activitypub_federation::traits::{Actor, Object};
use serde_json::Value;
use url::Url;

/// A key that signs outgoing requests: a local actor's, or the instance's.
#[derive(Debug, Clone)]
pub struct LocalSigner {
    pub id: Url,
    pub public_key_pem: String,
    pub private_key_pem: String,
}

impl LocalSigner {
    pub fn instance(ctx: &Context) -> Result<LocalSigner, FedError> {
        Ok(LocalSigner {
            id: ctx.urls.instance_actor(),
            public_key_pem: ctx.instance_keys.public_key_pem.clone(),
            private_key_pem: ctx.instance_keys.private_key_pem.clone(),
        })
    }

    /// The signer named by an actor URL of ours.
    pub async fn load(ctx: &Context, id: &Url) -> Result<LocalSigner, FedError> {
        if ctx.urls.parse(id) == Some(Local::Instance) {
            return LocalSigner::instance(ctx);
        }
        let keys = match StoredActor::local(ctx, id).await? {
            Some(StoredActor::User(u, _)) => (u.public_key_pem, u.private_key_pem),
            Some(StoredActor::Group(g, _)) => (g.public_key_pem, g.private_key_pem),
            None => (None, None),
        };
        match keys {
            (Some(public_key_pem), Some(private_key_pem)) => Ok(LocalSigner {
                id: id.clone(),
                public_key_pem,
                private_key_pem,
            }),
            _ => Err(FedError::NotFound("signing actor")),
        }
    }
}

#[async_trait::async_trait]
impl Object for LocalSigner {
    type DataType = std::sync::Arc<Context>;
    type Kind = Value;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }
    async fn read_from_id(_: Url, _: &FedData) -> Result<Option<Self>, FedError> {
        Ok(None)
    }
    async fn into_json(self, _: &FedData) -> Result<Value, FedError> {
        Err(FedError::Internal("a signer is not served".into()))
    }
    async fn verify(_: &Value, _: &Url, _: &FedData) -> Result<(), FedError> {
        Err(FedError::Internal("a signer is not fetched".into()))
    }
    async fn from_json(_: Value, _: &FedData) -> Result<Self, FedError> {
        Err(FedError::Internal("a signer is not fetched".into()))
    }
}

impl Actor for LocalSigner {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }
    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem.clone())
    }
    fn inbox(&self) -> Url {
        self.id.clone()
    }
}
