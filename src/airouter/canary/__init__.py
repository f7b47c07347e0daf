"""The sticky per-user canary: bucketing and provider selection (pure)."""
