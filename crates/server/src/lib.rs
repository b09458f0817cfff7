//! wavehub-server: the API server and the `wavehub` command line.

pub mod accounts;
pub mod audit;
pub mod cli;
pub mod db;
pub mod http;
pub mod instances;
pub mod mlops;
pub mod runtime_images;
pub mod serve;
pub mod store;
