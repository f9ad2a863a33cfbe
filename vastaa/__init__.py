"""Vastaa: a self-hosted social media customer-care desk."""

__version__ = "0.1.0"
