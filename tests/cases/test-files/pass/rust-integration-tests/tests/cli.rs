use shop::total;

#[test]
fn adds_prices() {
    assert_eq!(total(&[2, 3]), 5);
}

#[test]
fn empty_is_zero() {
    assert_eq!(total(&[]), 0);
}

#[test]
fn one_item() {
    assert!(total(&[1]) > 0);
}
