"""How `check` shows its verdict: rich text for people, JSON for tools (docs/cli.md)."""
