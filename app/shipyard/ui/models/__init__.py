"""The Models tab: task setup, training jobs, the leaderboard and a run's details and plots."""
