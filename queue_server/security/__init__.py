"""Protections every endpoint gets without asking (issue 15; the threat model is in SECURITY.md).

- `http.LimitedHttpToolsProtocol`: before the application sees a request — head size (431),
  request line (414), number of headers (431), slow heads and bodies (408). `serve.uvicorn_options`
  is the one place that says how uvicorn runs the app (the CLI, the tests and the benches use it).
- `middleware`: body size (413) and NUL bytes in the path or query (422) for every route.
- `proxies`: X-Forwarded-For believed only from `Settings.trusted_proxies`.
- `ratelimit.RateLimits`: the `limits` library, Redis-backed when `redis_url` is set.
- `redact`: tokens, phone numbers and CCCD numbers never reach a log line.
- `queue_server.bounds`: the bounded integer and string types every schema, path and query
  parameter uses; `tests/security/test_input_bounds.py` fails on an unbounded one, and the
  property-based fuzz (`tests/security/test_api_fuzz.py`) requires zero 5xx over the whole API.

A new endpoint gets all of this by being an ordinary route of the app and by using the types of
`queue_server.bounds` for its integers and strings.
"""
