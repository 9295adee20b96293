"""Transparency portal for a county's online inquiry letters (网络问政)."""

__version__ = "0.1.0"
