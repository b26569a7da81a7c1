//! The wheel against a `BTreeMap` model: identical fire sets and orders over random
//! insert / cancel / advance sequences (100 cases x 10 000 operations = 10^6 operations).

use super::model::{run, Op};
use super::*;
use proptest::prelude::*;

fn op() -> impl Strategy<Value = Op> {
    let delta = prop_oneof![
        6 => 0u64..70,
        6 => 0u64..5_000,
        2 => 0u64..300_000,
        1 => 0u64..(1 << 40),
        1 => Just(u64::MAX),
    ];
    prop_oneof![
        5 => (delta, proptest::bool::weighted(0.05)).prop_map(|(delta, past)| Op::Insert { delta, past }),
        2 => any::<usize>().prop_map(Op::Cancel),
        3 => (prop_oneof![8 => 0u64..100, 3 => 0u64..10_000, 1 => 0u64..10_000_000], proptest::bool::weighted(0.02))
            .prop_map(|(delta, back)| Op::Advance { delta, back }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    #[test]
    fn wheel_matches_a_btreemap_model(ops in proptest::collection::vec(op(), 10_000)) {
        run(&ops).map_err(TestCaseError::fail)?;
    }
}
#[test]
fn stale_key_after_slot_reuse_cancels_nothing() {
    let mut wheel = Wheel::new();
    let old = wheel.insert(1, "old");
    wheel.advance(1, |_, _| {});
    let new = wheel.insert(2, "new"); // reuses the slab slot
    assert_eq!(wheel.cancel(old), None);
    assert!(wheel.get_mut(old).is_none());
    assert_eq!(wheel.cancel(new), Some("new"));
}

#[test]
fn past_deadlines_fire_at_the_next_advance() {
    let mut wheel = Wheel::new();
    wheel.advance(1_000, |_, _: ()| {});
    wheel.insert(3, ());
    assert_eq!(wheel.next_deadline(), Some(1_000));
    let mut n = 0;
    wheel.advance(1_000, |_, _| n += 1);
    assert_eq!(n, 1);
}

#[test]
fn far_deadlines_saturate_and_still_fire() {
    let mut wheel = Wheel::new();
    wheel.advance(12_345, |_, _: u8| {});
    let k = wheel.insert(u64::MAX, 1);
    assert_eq!(wheel.deadline(k), Some(12_345 + MAX_RANGE));
    let mut fired = vec![];
    wheel.advance(12_345 + MAX_RANGE - 1, |_, v| fired.push(v));
    assert!(fired.is_empty());
    wheel.advance(12_345 + MAX_RANGE, |_, v| fired.push(v));
    assert_eq!(fired, [1]);
}

#[test]
fn a_million_armed_then_cancelled_entries_leave_the_wheel_empty() {
    let mut wheel = Wheel::new();
    for round in 0..10u64 {
        let keys: Vec<Key> = (0..100_000u64)
            .map(|i| wheel.insert(round * 7 + i % 5_000, i))
            .collect();
        for k in keys {
            assert!(wheel.cancel(k).is_some());
        }
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_deadline(), None);
    }
    // Storage is reused, not grown per round.
    assert!(wheel.nodes.len() <= 100_000);
}
