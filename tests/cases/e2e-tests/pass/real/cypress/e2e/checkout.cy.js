describe('checkout', () => {
  it('pays', () => {
    cy.visit('/');
    cy.get('[data-test=pay]').click();
  });
});
