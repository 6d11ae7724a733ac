#[test]
fn adds() {
    assert_eq!(shop::total(&[2, 3]), 5);
}

#[test]
fn empty() {
    assert_eq!(shop::total(&[]), 0);
}

#[test]
fn one() {
    assert!(shop::total(&[1]) == 1);
}
