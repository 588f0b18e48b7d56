"""The Review page: the portfolio review with decisions, and its PDF writer."""
