//! The co-participation network of jurisdictions: two jurisdictions are linked when they take
//! part in the same arrangement. Density, degree centrality, betweenness centrality (Brandes
//! 2001, unweighted, normalised by (n−1)(n−2)/2 as for undirected graphs) and the share of ties
//! that cross a province border.
//!
//! # References
//! - Brandes, U. (2001) A faster algorithm for betweenness centrality. *J. Math. Sociology* 25(2),
//!   163–177, doi:10.1080/0022250X.2001.9990249.
//! - Freeman, L. C. (1978) Centrality in social networks: conceptual clarification. *Social
//!   Networks* 1(3), 215–239.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// An undirected simple graph over named nodes.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub nodes: Vec<String>,
    pub neighbours: Vec<BTreeSet<usize>>,
}

impl Network {
    /// Links every pair of members within each group (an arrangement's participants).
    pub fn from_groups<'a>(groups: impl IntoIterator<Item = &'a [String]>) -> Self {
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut pairs = Vec::new();
        let groups: Vec<&[String]> = groups.into_iter().collect();
        for group in &groups {
            for member in group.iter() {
                index.entry(member.clone()).or_insert(0);
            }
        }
        for (i, (_, v)) in index.iter_mut().enumerate() {
            *v = i;
        }
        for group in groups {
            let ids: BTreeSet<usize> = group.iter().map(|m| index[m]).collect();
            let ids: Vec<usize> = ids.into_iter().collect();
            for (x, &a) in ids.iter().enumerate() {
                for &b in &ids[x + 1..] {
                    pairs.push((a, b));
                }
            }
        }
        let mut neighbours = vec![BTreeSet::new(); index.len()];
        for (a, b) in pairs {
            neighbours[a].insert(b);
            neighbours[b].insert(a);
        }
        Network {
            nodes: index.into_keys().collect(),
            neighbours,
        }
    }

    pub fn edges(&self) -> usize {
        self.neighbours.iter().map(BTreeSet::len).sum::<usize>() / 2
    }

    /// 2E / (n(n − 1)); 0 for fewer than two nodes.
    pub fn density(&self) -> f64 {
        let n = self.nodes.len() as f64;
        if n < 2.0 {
            0.0
        } else {
            2.0 * self.edges() as f64 / (n * (n - 1.0))
        }
    }

    /// Degree / (n − 1) of every node.
    pub fn degree_centrality(&self) -> Vec<f64> {
        let n = self.nodes.len();
        self.neighbours
            .iter()
            .map(|s| {
                if n > 1 {
                    s.len() as f64 / (n - 1) as f64
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Normalised betweenness centrality of every node (Brandes' algorithm).
    pub fn betweenness(&self) -> Vec<f64> {
        let n = self.nodes.len();
        let mut centrality = vec![0.0; n];
        for s in 0..n {
            let mut stack = Vec::new();
            let mut predecessors: Vec<Vec<usize>> = vec![Vec::new(); n];
            let mut paths = vec![0.0; n];
            let mut distance = vec![-1i64; n];
            paths[s] = 1.0;
            distance[s] = 0;
            let mut queue = VecDeque::from([s]);
            while let Some(v) = queue.pop_front() {
                stack.push(v);
                for &w in &self.neighbours[v] {
                    if distance[w] < 0 {
                        distance[w] = distance[v] + 1;
                        queue.push_back(w);
                    }
                    if distance[w] == distance[v] + 1 {
                        paths[w] += paths[v];
                        predecessors[w].push(v);
                    }
                }
            }
            let mut dependency = vec![0.0; n];
            while let Some(w) = stack.pop() {
                for &v in &predecessors[w] {
                    dependency[v] += paths[v] / paths[w] * (1.0 + dependency[w]);
                }
                if w != s {
                    centrality[w] += dependency[w];
                }
            }
        }
        // Each undirected pair was counted from both ends: halve, then normalise.
        let scale = if n > 2 {
            1.0 / ((n - 1) * (n - 2)) as f64
        } else {
            0.0
        };
        centrality.iter().map(|c| c * scale).collect()
    }

    /// Share of ties whose two ends lie in different groups (e.g. provinces); `None` without ties.
    pub fn cross_share(&self, group_of: impl Fn(&str) -> String) -> Option<f64> {
        let groups: Vec<String> = self.nodes.iter().map(|n| group_of(n)).collect();
        let (mut cross, mut all) = (0usize, 0usize);
        for (a, set) in self.neighbours.iter().enumerate() {
            for &b in set.iter().filter(|&&b| b > a) {
                all += 1;
                cross += usize::from(groups[a] != groups[b]);
            }
        }
        (all > 0).then(|| cross as f64 / all as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(groups: &[&[&str]]) -> Network {
        let owned: Vec<Vec<String>> = groups
            .iter()
            .map(|g| g.iter().map(|s| s.to_string()).collect())
            .collect();
        Network::from_groups(owned.iter().map(Vec::as_slice))
    }

    /// Hand-computed: path a–b–c–d and a star.
    #[test]
    fn metrics_match_hand_calculation() {
        let path = g(&[&["a", "b"], &["b", "c"], &["c", "d"]]);
        assert_eq!(path.edges(), 3);
        assert!((path.density() - 0.5).abs() < 1e-12); // 3 of 6 possible ties
                                                       // b lies on a–c and a–d (2 pairs) of the 3 pairs not involving b: 2 / 3.
        let b = path.betweenness();
        assert!((b[1] - 2.0 / 3.0).abs() < 1e-12 && b[0] == 0.0, "{b:?}");
        assert_eq!(
            path.degree_centrality(),
            vec![1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 1.0 / 3.0]
        );
        let star = g(&[&["hub", "x"], &["hub", "y"], &["hub", "z"]]);
        let s = star.betweenness();
        assert!((s[0] - 1.0).abs() < 1e-12, "{s:?}"); // hub: every leaf pair
                                                      // A 3-member arrangement links all three.
        let tri = g(&[&["310000", "320000", "320500"]]);
        assert_eq!(tri.edges(), 3);
        assert_eq!(tri.cross_share(|c| c[..2].to_string()), Some(2.0 / 3.0));
    }
}
