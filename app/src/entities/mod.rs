//! sea-orm entities: the rows as stored. Domain code converts them into the types of
//! `accounts` and friends before they leave the server.

pub mod audit_events;
pub mod sessions;
pub mod user_roles;
pub mod users;
