"""Business actions of the products app, one module per journey:

- ``applications``: the certification application's life, from draft to decision (the
  reviewers' steps in ``review``), its documents in ``application_documents``;
- ``renewal``: renewing a certificate from its last approved application, and its history;
- ``suppliers`` and ``upkeep``: registration and activation, the supplier's profile, bases,
  products, photos;
- ``oversight`` and ``monitoring``: dynamic exit (动态退出) of certificates, products and
  bases, and the sample tests and inspections;
- ``disclosure``: public disclosure (公示) of results before they take effect, and objections;
- ``base_evaluation``, ``evaluation_scores`` and ``expert_draw``: the bases' yearly evaluation;
- ``expiry``: the daily expiry of certificates and the warnings before it.

Each names its actor and step for the history rows with ``portal.history.stamp`` (issue 7).
"""
