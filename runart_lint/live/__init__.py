"""The live audit: read the GitHub repository and the Cloudflare account, read-only.

Only `runart-lint --live` imports the clients (`github_client`,
`cloudflare_client`, `fetch`); the data model, the plan and the anchors are
plain Python that rules read offline too.
"""
