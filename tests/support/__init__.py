"""Helpers the tiers share: sample events, a hand-moved clock, strategies and fakes."""
