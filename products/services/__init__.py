"""Business actions of the products app, one module per journey:

- ``applications``: the certification application's life, from draft to decision;
- ``suppliers``: registration and activation, the supplier's profile, bases, products, photos;
- ``oversight``: dynamic exit (动态退出) of certificates, products and bases, and monitoring;
- ``expiry``: the daily expiry of certificates and the warnings before it.

Each names its actor and step for the history rows with ``portal.history.stamp`` (issue 7).
"""
