"""The browser forms of the products app, one module per journey. Forms parse what was typed;
the rules live in ``products.services``."""
