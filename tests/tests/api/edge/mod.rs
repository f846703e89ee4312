//! The edges of the API: bad input is answered with problem+json and a stable code (never a
//! panic), body limits, nobody reaches another merchant's data, sign-in attempts are limited, and
//! the OpenAPI document matches the routes.

mod bodies;
mod headers;
mod login_limits;
mod openapi;
mod problems;
mod references;
mod shapes;
mod tenants;
mod text;
