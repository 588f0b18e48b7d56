"""The Rollout tab: rehearsal controls, the timeline, decisions, flags and the policy text."""
