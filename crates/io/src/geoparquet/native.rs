//! GeoArrow's native encodings in GeoParquet 1.1: one geometry type per column, coordinates as
//! `struct<x, y>` inside as many nested lists as the type needs (a multipolygon: polygons → rings
//! → vertices). Readers scan them without decoding WKB.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, ListArray, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Fields};
use geo::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

/// A native encoding: the geometry type of every feature of the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Native {
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
}

impl Native {
    const ALL: [Native; 6] = [
        Native::Point,
        Native::LineString,
        Native::Polygon,
        Native::MultiPoint,
        Native::MultiLineString,
        Native::MultiPolygon,
    ];

    /// The encoding's name in the `geo` metadata (`point`, …, `multipolygon`).
    pub fn encoding(self) -> &'static str {
        match self {
            Native::Point => "point",
            Native::LineString => "linestring",
            Native::Polygon => "polygon",
            Native::MultiPoint => "multipoint",
            Native::MultiLineString => "multilinestring",
            Native::MultiPolygon => "multipolygon",
        }
    }

    /// The GeoParquet geometry type of every feature in this encoding.
    pub fn geometry_type(self) -> &'static str {
        match self {
            Native::Point => "Point",
            Native::LineString => "LineString",
            Native::Polygon => "Polygon",
            Native::MultiPoint => "MultiPoint",
            Native::MultiLineString => "MultiLineString",
            Native::MultiPolygon => "MultiPolygon",
        }
    }

    pub fn from_encoding(name: &str) -> Option<Native> {
        Self::ALL
            .into_iter()
            .find(|n| n.encoding().eq_ignore_ascii_case(name))
    }

    /// Lists around the coordinates.
    fn depth(self) -> usize {
        match self {
            Native::Point => 0,
            Native::LineString | Native::MultiPoint => 1,
            Native::Polygon | Native::MultiLineString => 2,
            Native::MultiPolygon => 3,
        }
    }

    /// The one encoding that holds every geometry given: single and multi parts of one
    /// dimension go into the multi type; mixed dimensions or collections cannot be native.
    pub fn for_geometries<'a>(
        geometries: impl Iterator<Item = &'a Geometry>,
    ) -> Result<Native, String> {
        let mut found: Option<Native> = None;
        for g in geometries {
            let this = match g {
                Geometry::Point(_) => Native::Point,
                Geometry::MultiPoint(_) => Native::MultiPoint,
                Geometry::LineString(_) | Geometry::Line(_) => Native::LineString,
                Geometry::MultiLineString(_) => Native::MultiLineString,
                Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => Native::Polygon,
                Geometry::MultiPolygon(_) => Native::MultiPolygon,
                Geometry::GeometryCollection(_) => {
                    return Err("a geometry collection has no native encoding; use WKB".into())
                }
            };
            found = Some(match (found, this) {
                (None, t) => t,
                (Some(a), b) if a == b => a,
                (Some(a), b) => match (a.multi(), b.multi()) {
                    (x, y) if x == y => x,
                    _ => {
                        return Err(format!(
                            "{} and {} in one column have no common native encoding; use WKB",
                            a.encoding(),
                            b.encoding()
                        ))
                    }
                },
            });
        }
        Ok(found.unwrap_or(Native::MultiPolygon))
    }

    fn multi(self) -> Native {
        match self {
            Native::Point | Native::MultiPoint => Native::MultiPoint,
            Native::LineString | Native::MultiLineString => Native::MultiLineString,
            Native::Polygon | Native::MultiPolygon => Native::MultiPolygon,
        }
    }

    /// The Arrow type of a column in this encoding.
    pub fn data_type(self) -> DataType {
        Flat::new(self.depth()).into_array(None).data_type().clone()
    }

    /// The column of `geometries` in this encoding (a `None` is a null).
    pub fn encode(self, geometries: &[Option<Geometry>]) -> Result<ArrayRef, String> {
        let mut flat = Flat::new(self.depth());
        let mut valid = Vec::with_capacity(geometries.len());
        for g in geometries {
            valid.push(g.is_some());
            match g {
                None if self == Native::Point => flat.coord(Coord {
                    x: f64::NAN,
                    y: f64::NAN,
                }),
                None => flat.close(0),
                Some(g) => self.flatten(g, &mut flat)?,
            }
        }
        let nulls = valid.iter().any(|v| !v).then(|| NullBuffer::from(valid));
        Ok(flat.into_array(nulls))
    }

    fn flatten(self, g: &Geometry, flat: &mut Flat) -> Result<(), String> {
        let mismatch = || {
            format!(
                "a {} in a {} column",
                super::geometry_type(g),
                self.encoding()
            )
        };
        match self {
            Native::Point => match g {
                Geometry::Point(p) => flat.coord(p.0),
                _ => return Err(mismatch()),
            },
            Native::LineString => flat.line(0, &line_string(g).ok_or_else(mismatch)?),
            Native::MultiPoint => {
                let points: Vec<Point> = match g {
                    Geometry::Point(p) => vec![*p],
                    Geometry::MultiPoint(mp) => mp.0.clone(),
                    _ => return Err(mismatch()),
                };
                points.iter().for_each(|p| flat.coord(p.0));
                flat.close(0);
            }
            Native::Polygon => flat.polygon(0, &polygon(g).ok_or_else(mismatch)?),
            Native::MultiLineString => {
                let lines = match g {
                    Geometry::MultiLineString(m) => m.0.clone(),
                    other => vec![line_string(other).ok_or_else(mismatch)?],
                };
                lines.iter().for_each(|l| flat.line(1, l));
                flat.close(0);
            }
            Native::MultiPolygon => {
                let polygons = match g {
                    Geometry::MultiPolygon(m) => m.0.clone(),
                    other => vec![polygon(other).ok_or_else(mismatch)?],
                };
                polygons.iter().for_each(|p| flat.polygon(1, p));
                flat.close(0);
            }
        }
        Ok(())
    }

    /// A reader of a column in this encoding, checked against its Arrow type once.
    pub fn reader(self, array: &dyn Array) -> Result<NativeReader<'_>, String> {
        let mut lists = Vec::with_capacity(self.depth());
        let mut inner = array;
        for _ in 0..self.depth() {
            let list = inner.as_any().downcast_ref::<ListArray>().ok_or_else(|| {
                format!(
                    "a {} column must be nested lists, found {}",
                    self.encoding(),
                    inner.data_type()
                )
            })?;
            lists.push(list);
            inner = list.values().as_ref();
        }
        let coords = inner
            .as_any()
            .downcast_ref::<StructArray>()
            .ok_or_else(|| {
                format!(
                    "coordinates must be struct<x, y>, found {}",
                    inner.data_type()
                )
            })?;
        let axis = |name: &str| {
            coords
                .column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
                .ok_or_else(|| format!("coordinates need a double `{name}` field"))
        };
        Ok(NativeReader {
            native: self,
            top: array,
            lists,
            x: axis("x")?,
            y: axis("y")?,
        })
    }
}

/// Reads geometries out of one native column.
pub struct NativeReader<'a> {
    native: Native,
    top: &'a dyn Array,
    lists: Vec<&'a ListArray>,
    x: &'a Float64Array,
    y: &'a Float64Array,
}

impl NativeReader<'_> {
    /// The geometry of `row` (`None` if null).
    pub fn geometry(&self, row: usize) -> Option<Geometry> {
        if self.top.is_null(row) {
            return None;
        }
        let coord = |i: usize| Coord {
            x: self.x.value(i),
            y: self.y.value(i),
        };
        let line =
            |level: usize, i: usize| -> LineString { self.range(level, i).map(coord).collect() };
        let polygon = |level: usize, i: usize| -> Polygon {
            let mut rings = self.range(level, i).map(|r| line(level + 1, r));
            let exterior = rings.next().unwrap_or_else(|| LineString::new(Vec::new()));
            Polygon::new(exterior, rings.collect())
        };
        Some(match self.native {
            Native::Point => Geometry::Point(Point(coord(row))),
            Native::LineString => Geometry::LineString(line(0, row)),
            Native::MultiPoint => Geometry::MultiPoint(MultiPoint(
                self.range(0, row).map(|i| Point(coord(i))).collect(),
            )),
            Native::Polygon => Geometry::Polygon(polygon(0, row)),
            Native::MultiLineString => Geometry::MultiLineString(MultiLineString(
                self.range(0, row).map(|i| line(1, i)).collect(),
            )),
            Native::MultiPolygon => Geometry::MultiPolygon(MultiPolygon(
                self.range(0, row).map(|i| polygon(1, i)).collect(),
            )),
        })
    }

    /// The children of entry `i` of the list at `level`.
    fn range(&self, level: usize, i: usize) -> Range<usize> {
        let offsets = self.lists[level].value_offsets();
        offsets[i] as usize..offsets[i + 1] as usize
    }
}

fn line_string(g: &Geometry) -> Option<LineString> {
    match g {
        Geometry::LineString(l) => Some(l.clone()),
        Geometry::Line(l) => Some(LineString::from(vec![l.start, l.end])),
        _ => None,
    }
}

fn polygon(g: &Geometry) -> Option<Polygon> {
    match g {
        Geometry::Polygon(p) => Some(p.clone()),
        Geometry::Rect(r) => Some(r.to_polygon()),
        Geometry::Triangle(t) => Some(t.to_polygon()),
        _ => None,
    }
}

/// Coordinates and the offsets of each list level, filled feature by feature.
struct Flat {
    x: Vec<f64>,
    y: Vec<f64>,
    /// `offsets[0]` indexes level 1 (or the coordinates when it is the innermost level), …
    offsets: Vec<Vec<i32>>,
}

impl Flat {
    fn new(depth: usize) -> Self {
        Flat {
            x: Vec::new(),
            y: Vec::new(),
            offsets: vec![vec![0]; depth],
        }
    }

    fn coord(&mut self, c: Coord) {
        self.x.push(c.x);
        self.y.push(c.y);
    }

    /// Ends an entry of list `level`: it holds what was written below it since the last one.
    fn close(&mut self, level: usize) {
        let end = match self.offsets.get(level + 1) {
            Some(below) => below.len() - 1,
            None => self.x.len(),
        };
        self.offsets[level].push(end as i32);
    }

    fn line(&mut self, level: usize, line: &LineString) {
        line.0.iter().for_each(|c| self.coord(*c));
        self.close(level);
    }

    fn polygon(&mut self, level: usize, polygon: &Polygon) {
        if !polygon.exterior().0.is_empty() {
            self.line(level + 1, polygon.exterior());
            polygon
                .interiors()
                .iter()
                .for_each(|r| self.line(level + 1, r));
        }
        self.close(level);
    }

    fn into_array(self, nulls: Option<NullBuffer>) -> ArrayRef {
        let depth = self.offsets.len();
        let coordinate = |name: &str| Field::new(name, DataType::Float64, false);
        let coords = StructArray::new(
            Fields::from(vec![coordinate("x"), coordinate("y")]),
            vec![
                Arc::new(Float64Array::from(self.x)) as ArrayRef,
                Arc::new(Float64Array::from(self.y)),
            ],
            if depth == 0 { nulls.clone() } else { None },
        );
        let mut array: ArrayRef = Arc::new(coords);
        for (level, offsets) in self.offsets.into_iter().enumerate().rev() {
            let item = Arc::new(Field::new("element", array.data_type().clone(), false));
            let list_nulls = if level == 0 { nulls.clone() } else { None };
            array = Arc::new(ListArray::new(
                item,
                OffsetBuffer::new(offsets.into()),
                array,
                list_nulls,
            ));
        }
        array
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, polygon};

    fn round_trip(native: Native, geometries: Vec<Option<Geometry>>) {
        let array = native.encode(&geometries).unwrap();
        let reader = native.reader(array.as_ref()).unwrap();
        let back: Vec<_> = (0..geometries.len()).map(|i| reader.geometry(i)).collect();
        let promoted: Vec<_> = geometries
            .iter()
            .map(|g| match (native, g) {
                (Native::MultiPolygon, Some(Geometry::Polygon(p))) => {
                    Some(Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])))
                }
                (_, g) => g.clone(),
            })
            .collect();
        assert_eq!(back, promoted);
    }

    #[test]
    fn every_encoding_round_trips_with_nulls_and_holes() {
        let square = polygon![
            exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.), (x: 0., y: 0.)],
            interiors: [[(x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 1., y: 1.)]],
        ];
        let line = line_string![(x: 0., y: 0.), (x: 1., y: 2.)];
        round_trip(Native::Point, vec![Some(Point::new(1., 2.).into()), None]);
        round_trip(Native::LineString, vec![Some(line.clone().into()), None]);
        round_trip(Native::Polygon, vec![None, Some(square.clone().into())]);
        round_trip(
            Native::MultiLineString,
            vec![Some(MultiLineString(vec![line.clone(), line]).into())],
        );
        let types = [
            Geometry::Polygon(square.clone()),
            MultiPolygon(vec![square.clone(), square.clone()]).into(),
        ];
        let native = Native::for_geometries(types.iter()).unwrap();
        assert_eq!(native, Native::MultiPolygon);
        round_trip(native, types.into_iter().map(Some).chain([None]).collect());
    }

    #[test]
    fn mixed_dimensions_need_wkb() {
        let mixed = [
            Geometry::Point(Point::new(0., 0.)),
            line_string![(x: 0., y: 0.), (x: 1., y: 1.)].into(),
        ];
        assert!(Native::for_geometries(mixed.iter())
            .unwrap_err()
            .contains("WKB"));
    }
}
