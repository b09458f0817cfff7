pub mod audit;
pub mod secrets;
pub mod tags;
pub mod users;
