"""Turn an audit result into text, JSON or SARIF for the CLI to write."""
