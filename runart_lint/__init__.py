"""Audit a Cloudflare + GitHub Actions pipeline against its deployment plan."""

__version__ = "0.1.0"
