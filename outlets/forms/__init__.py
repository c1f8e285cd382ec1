"""The browser forms of the outlets app, one module per journey. Forms parse what was typed;
the rules live in ``outlets.services``."""
