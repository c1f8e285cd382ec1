"""Business actions of the outlets app, one module per journey:

- ``registry``: register and edit outlets, their photos and the products they carry;
  inspections; suspension, reinstatement and exit (动态退出);
- ``sales``: monthly sales reports, one by one or imported from Excel for many outlets.
"""
