//! Statistics shared by the analyses and the single-analysis commands.
//!
//! - [`significance`]: pseudo p-values of permutation tests with an explicit alternative.
//! - [`morans_i`]: global, local (LISA) and bivariate Moran's I.
//! - [`coupling`]: coupling coordination degree (standard and modified C) and entropy weights.

pub mod coupling;
pub mod morans_i;
pub mod significance;
