//! Reusable pieces of the interface.

pub mod common;
pub mod guard;
pub mod islands;
pub mod language_switch;
pub mod layout;
