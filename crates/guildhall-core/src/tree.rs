//! Nested replies, laid out for display.
//!
//! Replies nest to any depth, so the layout is computed without recursion (a
//! chain thousands deep must not overflow the stack) and returned flat, in
//! reading order, each with its depth. Pages indent by depth; API clients get
//! `parent_id` and `depth` and can rebuild the tree if they want one.

use std::collections::HashMap;

/// One reply's place in the layout: its index in the input and its depth
/// (0 = a direct reply to the thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub index: usize,
    pub depth: usize,
}

/// Orders replies depth-first: each reply is followed by its answers, siblings
/// keep their input order. A reply whose parent is missing from the input is
/// shown at the top level rather than lost.
pub fn layout(ids_and_parents: &[(i64, Option<i64>)]) -> Vec<Placed> {
    let known: HashMap<i64, usize> = ids_and_parents
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, (id, parent)) in ids_and_parents.iter().enumerate() {
        match parent.and_then(|p| known.get(&p)) {
            Some(&p) if ids_and_parents[p].0 != *id => children.entry(p).or_default().push(i),
            _ => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(ids_and_parents.len());
    // Stack of (index, depth); pushed in reverse so siblings pop in order.
    let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|i| (i, 0)).collect();
    while let Some((index, depth)) = stack.pop() {
        out.push(Placed { index, depth });
        if let Some(kids) = children.get(&index) {
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(input: &[(i64, Option<i64>)]) -> Vec<(i64, usize)> {
        layout(input)
            .into_iter()
            .map(|p| (input[p.index].0, p.depth))
            .collect()
    }

    #[test]
    fn nests_depth_first_keeping_sibling_order() {
        let input = [
            (1, None),
            (2, None),
            (3, Some(1)),
            (4, Some(3)),
            (5, Some(1)),
            (6, Some(2)),
        ];
        assert_eq!(
            order(&input),
            vec![(1, 0), (3, 1), (4, 2), (5, 1), (2, 0), (6, 1)]
        );
    }

    #[test]
    fn orphans_surface_at_the_top() {
        assert_eq!(order(&[(5, Some(99)), (6, Some(5))]), vec![(5, 0), (6, 1)]);
    }

    #[test]
    fn very_deep_chains_do_not_overflow() {
        let input: Vec<_> = (1..=100_000)
            .map(|i| (i, if i == 1 { None } else { Some(i - 1) }))
            .collect();
        let placed = layout(&input);
        assert_eq!(placed.len(), 100_000);
        assert_eq!(placed.last().unwrap().depth, 99_999);
    }
}
