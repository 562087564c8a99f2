//! Cognito's own APIs (no hosted UI needed): the user-pool sign-in API with SRP, and identity
//! pools for temporary AWS credentials.

pub mod aws_identity;
mod aws_json;
pub mod challenge;
pub mod identity;
pub mod idp;
pub mod srp;
