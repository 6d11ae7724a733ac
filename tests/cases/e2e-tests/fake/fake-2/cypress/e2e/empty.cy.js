// cy.visit('/')
