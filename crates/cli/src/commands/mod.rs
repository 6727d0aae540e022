//! One module per subcommand.

pub mod analyze;
pub mod borders;
pub mod cases;
pub mod check;
pub mod convert;
pub mod coupling;
pub mod demo;
pub mod governance;
pub mod moran;
pub mod partitions;
pub mod report;
pub mod serve;
pub mod simplify;
pub mod users;
