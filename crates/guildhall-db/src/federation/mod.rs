//! What federation keeps in the store: the outbox (events recorded with
//! each change, then activities and deliveries per instance), the other
//! instances (policy, health, software), the receipts of inbound activities,
//! and actors as federation sees them.

mod actors;
mod deliveries;
pub(crate) mod events;
mod instances;
mod receipts;

pub use actors::{
    ActorKey, ActorTable, FedGroup, FedUser, Federated, KeyPair, PostPlace, PostTable, RemoteGroup,
    RemoteUser, Usage,
};
pub use deliveries::{Delivery, Outbound};
pub use events::{Event, EventKind, EventObject, NoticeKind, Via, new_token};
pub use instances::{InstanceSoftware, InstanceState};
