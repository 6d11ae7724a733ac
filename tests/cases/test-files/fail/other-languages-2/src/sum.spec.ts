it('adds', () => {
});
