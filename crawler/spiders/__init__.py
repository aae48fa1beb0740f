"""Spiders, one per portal family."""
