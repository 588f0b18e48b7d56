"""The Gates tab: the check table, its evidence and the policy editor."""
