pub mod audit;
pub mod runtime_images;
pub mod runtimes;
pub mod secrets;
pub mod tags;
pub mod users;
