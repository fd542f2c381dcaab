"""Demo data for `make demo`: the national tree, the seed places' villages, policy, users.

Every capability extends ``load_demo`` with realistic data of its own. Refuses to run in
production.
"""
