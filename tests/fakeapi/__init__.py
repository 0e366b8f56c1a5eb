"""A fake GitHub REST and Cloudflare v4 API on a loopback port, for live tests.

Scenarios are data (`scenarios/*.toml`); `FakeAPI` serves one of them with
the real paths, envelopes, headers, pagination, errors and rate limits, and
records every request it receives.
"""

from fakeapi.scenario import load_scenario, merge
from fakeapi.server import FakeAPI, Recorded

__all__ = ["FakeAPI", "Recorded", "load_scenario", "merge"]
