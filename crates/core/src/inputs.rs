//! What the analyses read: the region's layers, the typed model checked once from them, and the
//! land-cover rasters. Kept apart so that the region (below the model) never holds what is built
//! from it.

use crate::model::Model;
use crate::raster::LandCoverLayer;
use crate::region::Region;

/// The inputs of a run: a region, its model and its rasters.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub region: Region,
    /// The typed model built from the region's layers and schemes ([`Model::build`]).
    pub model: Model,
    /// Land-cover rasters (`[layers.landcover]`), one per year, oldest first.
    pub rasters: Vec<LandCoverLayer>,
}

impl Inputs {
    /// The inputs of a region without rasters, its model built (every problem collected).
    pub fn build(region: Region) -> Result<Inputs, Vec<String>> {
        let model = Model::build(&region)?;
        Ok(Inputs {
            region,
            model,
            rasters: Vec::new(),
        })
    }
}
