"""Scores for trained networks: held-out cases, completion and appearance metrics, judges."""
